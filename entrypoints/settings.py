import hashlib
import hmac
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from todo_service.adapters.jwt.config import (
    MAX_JWKS_CACHE_SECONDS,
    MAX_JWKS_COOLDOWN_SECONDS,
    MAX_JWKS_TIMEOUT_SECONDS,
    MAX_LEEWAY_SECONDS,
)
from todo_service.domain.quota import DEFAULT_MAX_TEXT_BYTES, DEFAULT_MAX_TODOS
from todo_service.entrypoints.logging_setup import LogFormat

MEMORY_URL = "memory://"
# An idempotency record past a month protects no retry a client still makes.
MAX_IDEMPOTENCY_TTL_SECONDS = 30 * 86400
# A deactivation must take effect within minutes, whatever the cache says.
MAX_USER_CACHE_SECONDS = 300

# An origin as a browser sends it: lower case, no path, no trailing slash, no default port.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::(?P<port>[1-9][0-9]*))?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
# Where clients reach the service: an origin as above, or one with a path below it.
_BASE_URL = re.compile(rf"{_ORIGIN.pattern}(?P<path>(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*)")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def default_base_url(host: str, port: int) -> str:
    """The URL `todo serve` answers on when it listens on `host`:`port`."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


# A rate limit's bounds: 100,000 requests a second, a million at once, are beyond any load
# one user can send; the benchmark runs at them (tests/support/rate_limits.py).
MAX_RATE_PER_MINUTE = 6_000_000
MAX_BURST = 1_000_000


def _per_minute(default: int, description: str) -> Any:
    return Field(default=default, ge=1, le=MAX_RATE_PER_MINUTE, description=description)


def _burst(default: int, description: str) -> Any:
    return Field(default=default, ge=1, le=MAX_BURST, description=description)


class ConfigurationError(Exception):
    """Start-up configuration that is missing or contradictory; the message is one clear line."""


class ServiceSettings(BaseModel):
    """What the service itself needs, whoever builds it; reads nothing by itself.

    An in-process caller passes these to `bootstrap()`; `Settings` reads them, and the
    server's own, from the environment for the command line.
    """

    model_config = ConfigDict(extra="forbid")

    database_url: str = Field(
        default="sqlite:///./todo.db",
        description="SQLAlchemy URL (a relative SQLite path is relative to the working "
        "folder); `memory://` keeps everything in this process.",
    )
    # Every number has a lower and an upper bound, so that a value which would only fail
    # later (an overflowing timedelta, an infinite cache) stops start-up instead
    # (tests/unit/entrypoints/test_setting_bounds.py holds every numeric field to it).
    database_pool_size: int = Field(default=10, ge=1, le=1000, description="Connections kept open.")
    database_max_overflow: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="Extra connections at peak, closed as soon as returned.",
    )
    database_pool_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=300,
        allow_inf_nan=False,
        description="Wait for a free connection before answering 503.",
    )
    database_connect_timeout_seconds: int = Field(
        default=5, ge=1, le=300, description="Give up connecting to the database after this long."
    )
    database_pool_recycle_seconds: int = Field(
        default=300, ge=1, le=86400, description="Replace connections older than this."
    )
    database_prepare_threshold: int | None = Field(
        default=5,
        ge=0,
        le=10_000,
        description="psycopg server-side prepares; `none` behind PgBouncer transaction mode.",
    )
    database_ping_idle_seconds: float = Field(
        default=2,
        ge=0,
        le=3600,
        allow_inf_nan=False,
        description="Ping a pooled connection idle longer than this before use; 0: always.",
    )
    database_search_timeout_ms: int = Field(
        default=2000,
        ge=100,
        le=60_000,
        description="PostgreSQL stops a search (`GET /api/todos?q=`) that runs longer than "
        "this, and the request answers 503: no search holds a connection for long.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, le=600_000, description="SQLite lock wait."
    )
    idempotency_ttl_seconds: int = Field(
        default=86400,
        ge=1,
        le=MAX_IDEMPOTENCY_TTL_SECONDS,
        description="How long an `Idempotency-Key` is remembered.",
    )
    change_retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="How long the change log keeps a deleted todo's tombstone; a sync token "
        "older than this is refused (410) and its client starts over.",
    )

    max_todos_per_user: int = Field(
        default=DEFAULT_MAX_TODOS,
        ge=1,
        le=10_000_000,
        description="The most todos one user may hold; a create past it is refused (409).",
    )
    max_text_bytes_per_user: int = Field(
        default=DEFAULT_MAX_TEXT_BYTES,
        ge=1,
        le=10_000_000_000,
        description="The most text (titles and descriptions, UTF-8 bytes) one user's todos "
        "may hold; a create or a change that grows it past this is refused (409).",
    )

    jwt_secret: SecretStr | None = Field(
        default=None, description="HS256 shared secret (32+ bytes); exclusive with jwt_jwks_url."
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="JWKS URL of an identity provider (RS256, ES256, EdDSA)."
    )
    jwt_issuer: str | None = Field(default=None, description="Required `iss`, when set.")
    jwt_audience: str | None = Field(default=None, description="Required `aud`, when set.")
    jwt_algorithms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated allow-list; empty means HS256 or the JWKS default set.",
    )
    jwt_leeway_seconds: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LEEWAY_SECONDS,
        description="Clock skew allowed on exp/nbf; unset: the verifier's.",
    )
    jwt_email_claim: str = Field(
        default="email",
        description="Claim path of the user's email: names joined by dots, a name with dots "
        "or slashes in brackets (`[https://example.com/email]`).",
    )
    jwt_name_claim: str = Field(
        default="name", description="Claim path of the user's name (as jwt_email_claim)."
    )
    jwt_authorized_parties: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated allow-list for `azp`; unset: not checked."
    )
    jwt_client_id: str | None = Field(default=None, description="Required `client_id`, when set.")
    jwt_token_use: str | None = Field(default=None, description="Required `token_use`, when set.")
    jwt_token_type: str | None = Field(
        default=None, description="Required header `typ` (e.g. `at+jwt`), when set."
    )
    jwt_required_scopes: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Scopes the `scope` claim must all hold (comma or space separated)."
    )
    jwt_jwks_cache_seconds: int = Field(
        default=300,
        ge=1,
        le=MAX_JWKS_CACHE_SECONDS,
        description="How long fetched signing keys are trusted.",
    )
    jwt_jwks_refetch_cooldown_seconds: float = Field(
        default=30,
        ge=0,
        le=MAX_JWKS_COOLDOWN_SECONDS,
        allow_inf_nan=False,
        description="Least time between two fetches of the key set, failed or not.",
    )
    jwt_jwks_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=MAX_JWKS_TIMEOUT_SECONDS,
        allow_inf_nan=False,
        description="Give up fetching the key set after this long.",
    )
    jwt_insecure_accept_any_issuer_and_audience: bool = Field(
        default=False,
        description="Let JWKS mode run without JWT_ISSUER and a recipient check: accepts "
        "tokens the provider issued for any application.",
    )

    cursor_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs pagination cursors; share it across workers (32+ bytes).",
    )

    user_cache_seconds: float = Field(
        default=5,
        ge=0,
        le=MAX_USER_CACHE_SECONDS,
        allow_inf_nan=False,
        description="Each worker remembers a user, and a verified token, this long: a "
        "deactivation or a withdrawn signing key takes effect within it. 0: never remember.",
    )

    rate_limits_enabled: bool = Field(
        default=True,
        description="Per-user rate limits on the todo operations; `false` turns them off "
        "(e.g. behind a gateway that limits already).",
    )
    rate_limit_reads_per_minute: int = _per_minute(
        1200, "Reads (get, list) each user may make a minute, sustained."
    )
    rate_limit_read_burst: int = _burst(200, "Reads a user may make at once after a pause.")
    rate_limit_writes_per_minute: int = _per_minute(
        600, "Writes (create, change, toggle, delete) each user may make a minute, sustained."
    )
    rate_limit_write_burst: int = _burst(100, "Writes a user may make at once after a pause.")
    rate_limit_redis_url: SecretStr | None = Field(
        default=None,
        description="Redis (redis://, rediss://, unix://) where every worker and instance "
        "shares the counts; unset: each worker counts on its own.",
    )
    rate_limit_redis_prefix: str = Field(
        default="todo:rate",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9:._-]+$",
        description="Prefix of the rate limits' keys in Redis.",
    )
    rate_limit_redis_timeout_seconds: float = Field(
        default=0.1,
        ge=0.001,
        le=5,
        allow_inf_nan=False,
        description="Give up on Redis after this long and count in the worker alone.",
    )

    @field_validator("jwt_algorithms", "jwt_authorized_parties", mode="before")
    @classmethod
    def _split_at_commas(cls, value: object) -> object:
        return split_list(value)

    @field_validator("jwt_required_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> object:
        return split_list(value.replace(",", " ") if isinstance(value, str) else value, sep=None)

    @field_validator(
        "jwt_secret",
        "jwt_jwks_url",
        "jwt_issuer",
        "jwt_audience",
        "jwt_client_id",
        "jwt_token_use",
        "jwt_token_type",
        "cursor_secret",
        "rate_limit_redis_url",
    )
    @classmethod
    def _empty_means_unset(cls, value: str | SecretStr | None) -> str | SecretStr | None:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if raw is not None and not raw.strip() else value

    @field_validator("database_prepare_threshold", mode="before")
    @classmethod
    def _none_disables_prepares(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in {"", "none"}:
            return None
        return value

    @field_validator("rate_limit_redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = value.get_secret_value().partition("://")[0]
            if scheme not in _REDIS_SCHEMES:
                # The scheme only: the rest of the URL may hold a password.
                raise ValueError(f"must start with redis://, rediss:// or unix://, not {scheme!r}")
        return value

    @property
    def uses_memory(self) -> bool:
        return self.database_url == MEMORY_URL

    @property
    def database_scheme(self) -> str:
        """The URL's scheme only: safe to print, unlike the URL and its password."""
        return self.database_url.partition("://")[0] or "(none)"


class Settings(ServiceSettings, BaseSettings):
    """A command-line process's settings: the service's and the server's, read once at
    start-up from the environment or a `.env` file in the working folder (the environment
    wins). Only the command line and the ASGI factory read them; `bootstrap()` never does."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = Field(default=DEFAULT_HOST, description="Address `serve` listens on.")
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535, description="Port `serve` listens on.")
    public_base_url: str | None = Field(
        default=None,
        description="Where clients reach the API, scheme://host[:port][/path] (e.g. "
        "https://todo.example.com): each todo's `url` and `Location` are built from it, "
        "never from a request's headers; unset: http://HOST:PORT.",
    )
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        default="info", description="Log level of the log lines on stderr."
    )
    log_format: LogFormat = Field(
        default="auto",
        description="`json` (one object per line, for log shippers), `text` (the same fields "
        "as readable lines) or `auto`: text when stderr is a terminal, else JSON.",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Worker processes `serve` runs (one per core in production).",
    )
    drain_seconds: float = Field(
        default=5,
        ge=0,
        le=300,
        description="After SIGTERM, a worker goes on serving this long while `/readyz` answers "
        "503 (draining) and every answer closes its connection, so that a load balancer stops "
        "sending to it before it stops listening; 0 skips it. Ctrl+C (SIGINT) skips it too; "
        "a second signal ends it at once.",
    )
    shutdown_timeout_seconds: float = Field(
        default=10,
        ge=1,
        le=600,
        description="Once a worker stops listening, requests in flight get this long to finish "
        "(live update streams end at once); what still runs then is cancelled.",
    )
    access_log: bool = Field(default=True, description="Log every request (off in production).")
    keep_alive_timeout_seconds: int = Field(
        default=5, ge=1, le=300, description="Close a kept-alive connection idle this long."
    )
    request_head_timeout_seconds: int = Field(
        default=10,
        ge=1,
        le=300,
        description="Close a connection whose request line and headers are not all in this "
        "long after it opened (or after a request's first byte).",
    )
    request_body_timeout_seconds: int = Field(
        default=10,
        ge=1,
        le=300,
        description="Answer 408 (problem+json, `Connection: close`) and close a connection "
        "whose request body is not all in this long after its head.",
    )
    send_timeout_seconds: int = Field(
        default=30,
        ge=1,
        le=600,
        description="Disconnect a client that takes none of its answer for this long (what "
        "waits to be sent stays over the connection's buffer).",
    )
    max_request_head_bytes: int = Field(
        default=64 * 1024,
        ge=8 * 1024,
        le=1024 * 1024,
        description="Largest request head (request line and headers); one larger is answered "
        "431 (problem+json, `Connection: close`) as soon as this many bytes of it are in, and "
        "the connection closed. A chunked body's trailers are held to it too (the connection "
        "is closed). A connection holds at most about twice this of a head in memory.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="Longest header (name and value) or request target in a request head; "
        "one longer is answered 431 (414 for the target) and the connection closed. Keep it "
        "above 8.3 KiB: an `Authorization` header with the longest token accepted (8 KiB).",
    )
    max_connections: int = Field(
        default=800,
        ge=1,
        le=100_000,
        description="Open connections per worker; one more is answered 503 and closed. "
        "Lowered at start-up to what the descriptor limit (ulimit -n) leaves room for.",
    )
    streams_per_user: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Live update streams (`GET /api/todos/events`) one user may hold per "
        "worker; one more is answered 429.",
    )
    streams_per_worker: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="Live update streams one worker holds; one more is answered 503. Keep "
        "it below MAX_CONNECTIONS: the connections streams leave serve the requests.",
    )
    stream_heartbeat_seconds: int = Field(
        default=15,
        ge=1,
        le=300,
        description="A quiet stream sends a comment line this often, so that proxies keep it.",
    )
    stream_poll_milliseconds: int = Field(
        default=250,
        ge=20,
        le=10_000,
        description="How often a worker with open streams asks the change log what changed.",
    )
    cors_allow_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated origins (scheme://host[:port]) whose pages may call the "
        "API from a browser; unset: no CORS headers at all.",
    )
    cors_max_age_seconds: int = Field(
        default=600,
        ge=0,
        le=86400,
        description="How long a browser may reuse a preflight's answer (Chromium caps it at 7200).",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the Prometheus metrics endpoint; unset: no metrics at all.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the metrics endpoint listens on."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _lowercase_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return split_list(value)

    @field_validator("cors_allow_origins")
    @classmethod
    def _exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            _require_origin(origin)
        return value

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _empty_url_means_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_base_url")
    @classmethod
    def _exact_base_url(cls, value: str | None) -> str | None:
        if value is not None:
            _require_url(
                _BASE_URL,
                value,
                "a base URL: scheme://host[:port][/path] with http or https, the host in lower "
                "case, without a trailing slash, query, fragment or the default port "
                "(e.g. https://todo.example.com)",
            )
        return value

    @property
    def base_url(self) -> str:
        """PUBLIC_BASE_URL, else the address `serve` listens on."""
        return self.public_base_url or default_base_url(self.host, self.port)

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_port_means_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_port")
    @classmethod
    def _metrics_apart_from_the_api(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value == info.data.get("port"):
            raise ValueError("must differ from PORT: the metrics are served apart from the API")
        return value


def split_list(value: object, sep: str | None = ",") -> object:
    """A setting's text as a tuple of its non-blank parts; anything else unchanged."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(sep) if part.strip())
    return value


def _require_origin(value: str) -> None:
    """A browser's `Origin` is compared as a string, so only the form it sends can ever match."""
    if value == "*":
        raise ValueError("`*` is refused: name each origin whose pages may call the API")
    _require_url(
        _ORIGIN,
        value,
        "an origin as a browser sends it: scheme://host[:port] in lower case, without a path, "
        "a trailing slash or the default port (e.g. https://app.example.com)",
    )


def _require_url(shape: re.Pattern[str], value: str, described: str) -> None:
    """`value` in exactly the one spelling `shape` allows, or ValueError saying which."""
    match = shape.fullmatch(value)
    if match is None or (match["port"] or "") == _DEFAULT_PORTS[match["scheme"]]:
        raise ValueError(f"{value!r} is not {described}")
    if match["port"] is not None and int(match["port"]) > 65535:
        raise ValueError(f"{value!r} has a port past 65535")


def one_line(error: ValidationError, *, as_variables: bool = True) -> str:
    """A pydantic error as one line: each problem as `NAME: message`, joined by `; `.

    Fields are named as environment variables (`DATABASE_URL`), or as the keyword
    arguments of `bootstrap()` (`database_url`) with `as_variables=False`.
    """
    problems = []
    for issue in error.errors():
        name = ".".join(str(part) for part in issue["loc"])
        problems.append(f"{name.upper() if as_variables else name}: {issue['msg']}")
    return "; ".join(problems)


def derived_cursor_secret(settings: ServiceSettings) -> bytes | None:
    """CURSOR_SECRET, else a key derived from JWT_SECRET, else None.

    The derivation is an HMAC of a fixed label, so every worker sharing JWT_SECRET
    agrees on the cursor key, and a cursor reveals nothing about the JWT secret.
    """
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    if settings.jwt_secret is not None:
        key = settings.jwt_secret.get_secret_value().encode()
        return hmac.digest(key, b"todo-service pagination cursors v1", hashlib.sha256)
    return None
