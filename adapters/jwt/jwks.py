from typing import Any

from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKSetError, PyJWTError

from todo_service.adapters.jwt.config import JwtConfig
from todo_service.application.errors import AuthenticationUnavailableError, InvalidTokenError

# PyJWT wraps connection errors, but not a body that breaks off or is not JSON.
_FETCH_FAILURES = (PyJWKClientConnectionError, PyJWKSetError, ValueError, OSError, RecursionError)
MAX_KID_LENGTH = 256


class JwksKeys:
    """The identity provider's signing keys, fetched from its JWKS endpoint.

    - The key set is cached for `jwks_cache_seconds`; a `kid` missing from it
      triggers one refetch, at most once per `jwks_refetch_cooldown_seconds`
      (PyJWT's cooldown; every successful fetch restarts it). A key rotated in
      within the cooldown is found once the cooldown or the cache lifetime ends.
    - Keys are never cached one by one: PyJWT's per-`kid` cache has no expiry and
      would keep trusting a key the provider has withdrawn.
    - An endpoint that cannot be reached, or answers with no usable keys, is
      AuthenticationUnavailableError; a `kid` it does not publish is InvalidTokenError.
    - A token without a printable `kid` of at most 256 characters is refused
      without a fetch.
    - Fetching blocks (urllib) for at most `jwks_timeout_seconds` per network step:
      call from a worker thread, never on an event loop.
    """

    def __init__(self, config: JwtConfig) -> None:
        if config.jwks_url is None:
            raise ValueError("JwksKeys needs JWT_JWKS_URL")
        self._client = PyJWKClient(
            config.jwks_url,
            cache_keys=False,
            cache_jwk_set=True,
            lifespan=config.jwks_cache_seconds,
            timeout=config.jwks_timeout_seconds,
            cooldown_duration=config.jwks_refetch_cooldown_seconds,
        )

    def key_for(self, header: dict[str, Any]) -> PyJWK:
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH or not kid.isprintable():
            raise InvalidTokenError("malformed")
        try:
            # Fetch problems surface here, separately from "no such kid" below.
            self._client.get_signing_keys()
        except (*_FETCH_FAILURES, PyJWTError):
            raise AuthenticationUnavailableError from None
        try:
            return self._client.get_signing_key(kid)
        except _FETCH_FAILURES:
            raise AuthenticationUnavailableError from None
        except PyJWTError:
            raise InvalidTokenError("unknown_key") from None
