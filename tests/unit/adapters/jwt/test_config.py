import pytest

from tests.jwt_factories import PROVIDER, SECRET
from todo_service.adapters.jwt import JwtConfig, mint_token

JWKS_URL = "https://auth.example.com/.well-known/jwks.json"


def test_a_secret_defaults_to_hs256_and_a_jwks_url_to_the_asymmetric_algorithms() -> None:
    assert JwtConfig(secret=SECRET).algorithms == ("HS256",)
    assert JwtConfig(jwks_url=JWKS_URL, **PROVIDER).algorithms == ("RS256", "ES256", "EdDSA")


def test_the_default_leeway_is_small() -> None:
    assert JwtConfig(secret=SECRET).leeway_seconds == 10


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "Set exactly one of JWT_SECRET or JWT_JWKS_URL"),
        ({"secret": SECRET, "jwks_url": JWKS_URL}, "Set exactly one of JWT_SECRET or JWT_JWKS_URL"),
        ({"secret": "s" * 31}, "JWT_SECRET must be at least 32 bytes long"),
        ({"secret": "é" * 15}, "JWT_SECRET must be at least 32 bytes long"),
        ({"secret": SECRET, "algorithms": ("HS512",)}, "JWT_SECRET must be at least 64 bytes long"),
        ({"secret": SECRET, "algorithms": ("none",)}, "must not contain 'none'"),
        ({"jwks_url": JWKS_URL, "algorithms": ("RS256", "None")}, "must not contain 'none'"),
        ({"secret": SECRET, "algorithms": ("HS257",)}, "unknown algorithms: HS257"),
        ({"secret": SECRET, "algorithms": ("HS256", "RS256")}, "JWT_SECRET works only with HS"),
        ({"jwks_url": JWKS_URL, "algorithms": ("RS256", "HS256")}, "not HS*"),
        ({"jwks_url": "ftp://auth.example.com/jwks"}, "JWT_JWKS_URL must be an https:// URL"),
        ({"jwks_url": "file:///etc/passwd"}, "JWT_JWKS_URL must be an https:// URL"),
        ({"jwks_url": "http://auth.example.com/jwks"}, "must use https://"),
        ({"jwks_url": "http://[::1/jwks"}, "JWT_JWKS_URL is not a valid URL"),
        ({"secret": SECRET, "leeway_seconds": -1}, "JWT_LEEWAY_SECONDS must be between 0 and 300"),
        ({"secret": SECRET, "leeway_seconds": 301}, "JWT_LEEWAY_SECONDS must be between 0 and 300"),
        ({"jwks_url": JWKS_URL, "jwks_cache_seconds": 0}, "JWT_JWKS_CACHE_SECONDS must be betw"),
        ({"jwks_url": JWKS_URL, "jwks_cache_seconds": 86_401}, "JWT_JWKS_CACHE_SECONDS"),
        ({"jwks_url": JWKS_URL, "jwks_timeout_seconds": 0}, "JWT_JWKS_TIMEOUT_SECONDS must be"),
        ({"jwks_url": JWKS_URL, "jwks_timeout_seconds": 61}, "JWT_JWKS_TIMEOUT_SECONDS"),
        ({"jwks_url": JWKS_URL, "jwks_timeout_seconds": float("inf")}, "JWT_JWKS_TIMEOUT"),
        ({"jwks_url": JWKS_URL, "jwks_refetch_cooldown_seconds": -1}, "REFETCH_COOLDOWN"),
        ({"jwks_url": JWKS_URL, "jwks_refetch_cooldown_seconds": 3601}, "REFETCH_COOLDOWN"),
        (
            {"jwks_url": JWKS_URL, "jwks_cache_seconds": 10, "jwks_refetch_cooldown_seconds": 30},
            "JWT_JWKS_CACHE_SECONDS (10) must be at least JWT_JWKS_REFETCH_COOLDOWN_SECONDS (30)",
        ),
        ({"jwks_url": JWKS_URL}, "JWT_JWKS_URL needs JWT_ISSUER"),
        ({"jwks_url": JWKS_URL, "issuer": "https://a.example.com"}, "needs JWT_AUDIENCE"),
        ({"secret": SECRET, "issuer": " "}, "JWT_ISSUER must not be blank"),
        ({"secret": SECRET, "audience": ""}, "JWT_AUDIENCE must not be blank"),
    ],
)
def test_a_bad_configuration_is_refused_with_one_clear_line(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=r"^[^\n]+$") as refused:
        JwtConfig(**settings)  # type: ignore[arg-type]
    assert message in str(refused.value)


def test_keys_cached_exactly_as_long_as_the_cooldown_are_accepted() -> None:
    config = JwtConfig(
        jwks_url=JWKS_URL, jwks_cache_seconds=30, jwks_refetch_cooldown_seconds=30, **PROVIDER
    )
    assert config.jwks_cache_seconds == 30
    # A shared secret fetches nothing, so the key set's settings do not matter.
    assert JwtConfig(secret=SECRET, jwks_cache_seconds=1).secret == SECRET


def test_plain_http_is_allowed_for_a_jwks_endpoint_on_this_machine() -> None:
    assert JwtConfig(jwks_url="http://127.0.0.1:8123/jwks.json", **PROVIDER).jwks_url


def test_tokens_are_not_minted_with_a_weak_secret_or_no_lifetime() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        mint_token("short", "alice")
    with pytest.raises(ValueError, match="ttl_seconds must be positive"):
        mint_token(SECRET, "alice", ttl_seconds=0)
