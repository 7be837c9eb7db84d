import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from todo_service.adapters.jwt.claim_rules import ClaimRules

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_SECRET_ALGORITHMS = ("HS256",)
DEFAULT_JWKS_ALGORITHMS = ("RS256", "ES256", "EdDSA")
# RFC 7518 §3.2: an HMAC key at least as long as the hash output.
_HMAC_MINIMUM_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_LEEWAY_SECONDS = 300
MAX_JWKS_CACHE_SECONDS = 86_400
MAX_JWKS_TIMEOUT_SECONDS = 60
MAX_JWKS_COOLDOWN_SECONDS = 3_600
UNSAFE_OPT_OUT = "JWT_INSECURE_ACCEPT_ANY_ISSUER_AND_AUDIENCE"


def require_strong_secret(secret: str, algorithms: tuple[str, ...] = ("HS256",)) -> None:
    """Refuse an HMAC secret shorter than the strongest listed algorithm needs."""
    needed = max(_HMAC_MINIMUM_SECRET_BYTES[name] for name in algorithms)
    if len(secret.encode("utf-8")) < needed:
        raise ValueError(f"JWT_SECRET must be at least {needed} bytes long")


@dataclass(frozen=True, slots=True)
class JwtConfig:
    """How tokens are verified: an HS* shared secret, or an identity provider's JWKS.

    Leeway defaults to 10 s: NTP-synced hosts drift by well under a second, so 10 s
    absorbs a badly synced clock while an expired token stays usable for only 10 s
    more. The JWKS refetch cooldown bounds how often tokens with unknown `kid`s can
    make us call the identity provider, whether the last fetch worked or not.

    A provider's key set often signs tokens for many applications (a multi-app
    tenant, Google, Azure "common"), so JWKS mode needs the issuer and something
    naming this service as the recipient (`aud`, or `azp`/`client_id` for tokens
    without `aud`), unless `accept_any_issuer_and_audience` says otherwise.
    """

    secret: str | None = None
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ()
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: int = 10
    jwks_cache_seconds: int = 300
    jwks_timeout_seconds: float = 5.0
    jwks_refetch_cooldown_seconds: float = 30.0
    claim_rules: ClaimRules = field(default_factory=ClaimRules)
    accept_any_issuer_and_audience: bool = False

    def __post_init__(self) -> None:
        if (self.secret is None) == (self.jwks_url is None):
            raise ValueError("Set exactly one of JWT_SECRET or JWT_JWKS_URL")
        if not self.algorithms:
            secret_mode = self.secret is not None
            default = DEFAULT_SECRET_ALGORITHMS if secret_mode else DEFAULT_JWKS_ALGORITHMS
            object.__setattr__(self, "algorithms", default)
        self._check_algorithms()
        if self.secret is not None:
            require_strong_secret(self.secret, self.algorithms)
        if self.jwks_url is not None:
            _check_jwks_url(self.jwks_url)
        self._check_numbers()
        for name, value in (("JWT_ISSUER", self.issuer), ("JWT_AUDIENCE", self.audience)):
            if value is not None and not value.strip():
                raise ValueError(f"{name} must not be blank when set")
        if self.jwks_url is not None:
            self._require_keys_outliving_the_cooldown()
        if self.jwks_url is not None and not self.accept_any_issuer_and_audience:
            self._require_issuer_and_recipient()

    def _require_keys_outliving_the_cooldown(self) -> None:
        # Keys that expire before the next fetch is allowed leave every token that
        # needs them refused (503) until the cooldown is over, in every cycle.
        if self.jwks_cache_seconds < self.jwks_refetch_cooldown_seconds:
            raise ValueError(
                f"JWT_JWKS_CACHE_SECONDS ({self.jwks_cache_seconds}) must be at least "
                f"JWT_JWKS_REFETCH_COOLDOWN_SECONDS ({self.jwks_refetch_cooldown_seconds:g}): "
                "the keys would expire while no fetch is allowed"
            )

    def _require_issuer_and_recipient(self) -> None:
        if self.issuer is None:
            raise ValueError(
                f"JWT_JWKS_URL needs JWT_ISSUER (or {UNSAFE_OPT_OUT}=true to accept any issuer)"
            )
        if self.audience is None and not self.claim_rules.names_the_recipient:
            raise ValueError(
                "JWT_JWKS_URL needs JWT_AUDIENCE, or JWT_AUTHORIZED_PARTIES or JWT_CLIENT_ID "
                f"for tokens without `aud` (or {UNSAFE_OPT_OUT}=true to accept tokens "
                "meant for any application)"
            )

    def _check_algorithms(self) -> None:
        if any(name.lower() == "none" for name in self.algorithms):
            raise ValueError("JWT_ALGORITHMS must not contain 'none': tokens must be signed")
        unknown = sorted(set(self.algorithms) - HMAC_ALGORITHMS - ASYMMETRIC_ALGORITHMS)
        if unknown:
            raise ValueError(f"JWT_ALGORITHMS has unknown algorithms: {', '.join(unknown)}")
        if self.secret is not None and not HMAC_ALGORITHMS.issuperset(self.algorithms):
            raise ValueError("JWT_SECRET works only with HS256, HS384 or HS512 algorithms")
        if self.jwks_url is not None and HMAC_ALGORITHMS.intersection(self.algorithms):
            raise ValueError("JWT_JWKS_URL works only with asymmetric algorithms, not HS*")

    def _check_numbers(self) -> None:
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"JWT_LEEWAY_SECONDS must be between 0 and {MAX_LEEWAY_SECONDS}")
        if not 1 <= self.jwks_cache_seconds <= MAX_JWKS_CACHE_SECONDS:
            raise ValueError(
                f"JWT_JWKS_CACHE_SECONDS must be between 1 and {MAX_JWKS_CACHE_SECONDS}"
            )
        timeout = self.jwks_timeout_seconds
        if not (math.isfinite(timeout) and 0 < timeout <= MAX_JWKS_TIMEOUT_SECONDS):
            raise ValueError(
                "JWT_JWKS_TIMEOUT_SECONDS must be more than 0 and at most "
                f"{MAX_JWKS_TIMEOUT_SECONDS}"
            )
        cooldown = self.jwks_refetch_cooldown_seconds
        if not (math.isfinite(cooldown) and 0 <= cooldown <= MAX_JWKS_COOLDOWN_SECONDS):
            raise ValueError(
                "JWT_JWKS_REFETCH_COOLDOWN_SECONDS must be between 0 and "
                f"{MAX_JWKS_COOLDOWN_SECONDS}"
            )


def _check_jwks_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("JWT_JWKS_URL is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("JWT_JWKS_URL must be an https:// URL")
    # Keys fetched over plain HTTP could be swapped by anyone on the path.
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError("JWT_JWKS_URL must use https:// (plain http only for localhost)")
