"""The HTTP edge: where `todo serve` listens and is reached, its workers, how it drains
and stops, what it allows a connection (deadlines, sizes, count), live update streams
and CORS. Only the server reads them; `bootstrap()` never does."""

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import NoDecode

from todo_service.entrypoints.settings.common import blank_means_unset, split_list

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


class EdgeSettings(BaseModel):
    """The server's address, workers, draining, connection limits, streams and CORS."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default=DEFAULT_HOST, description="Address `serve` listens on.")
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535, description="Port `serve` listens on.")
    public_base_url: str | None = Field(
        default=None,
        description="Where clients reach the API, scheme://host[:port][/path] (e.g. "
        "https://todo.example.com): each todo's `url` and `Location` are built from it, "
        "never from a request's headers; unset: http://HOST:PORT.",
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
    # Per user, yet here and not with the quotas: a stream is an open connection to one
    # worker, counted by that worker; the service behind `bootstrap()` has no streams.
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
        return blank_means_unset(value)

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
