from typing import Any, Protocol

import jwt
from jwt import PyJWK
from jwt import exceptions as errors
from jwt.types import Options

from todo_service.adapters.jwt.claims import claims_from
from todo_service.adapters.jwt.config import JwtConfig
from todo_service.adapters.jwt.jwks import JwksKeys
from todo_service.application.errors import InvalidTokenError, TokenRefusal
from todo_service.application.ports import KeyFetch, TokenVerifier, VerifiedClaims

MAX_TOKEN_LENGTH = 8 * 1024

# PyJWT's refusals as the service's fixed reasons; the first match wins (subclasses first).
_REASONS: tuple[tuple[type[jwt.PyJWTError], TokenRefusal], ...] = (
    (errors.ExpiredSignatureError, "expired"),
    (errors.ImmatureSignatureError, "not_yet_valid"),
    (errors.InvalidAudienceError, "wrong_audience"),
    (errors.InvalidIssuerError, "wrong_issuer"),
    (errors.MissingRequiredClaimError, "missing_claim"),
    (errors.InvalidSubjectError, "bad_claims"),
    (errors.InvalidIssuedAtError, "bad_claims"),
    (errors.InvalidJTIError, "bad_claims"),
    (errors.InvalidSignatureError, "bad_signature"),
    (errors.InvalidAlgorithmError, "wrong_algorithm"),
    (errors.DecodeError, "malformed"),
)


def _reason(error: jwt.PyJWTError) -> TokenRefusal:
    return next((reason for kind, reason in _REASONS if isinstance(error, kind)), "invalid")


class _KeySource(Protocol):
    def key_for(self, header: dict[str, Any]) -> str | PyJWK: ...

    def key_or_fetch(self, header: dict[str, Any]) -> str | PyJWK | KeyFetch: ...

    def key_at_hand(self, header: dict[str, Any]) -> str | PyJWK: ...


class _SharedSecret:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def key_for(self, header: dict[str, Any]) -> str:
        return self._secret

    def key_or_fetch(self, header: dict[str, Any]) -> str:
        return self._secret

    def key_at_hand(self, header: dict[str, Any]) -> str:
        return self._secret


class PyJwtTokenVerifier(TokenVerifier):
    """Verifies bearer tokens with PyJWT, against a shared secret or a JWKS endpoint.

    - Algorithms come from configuration only, never from the token.
    - `exp` and `sub` are required; `iss` and `aud` are checked when configured, then
      the provider's claim rules (`azp`, `client_id`, `token_use`, `typ`, scopes).
    - Oversized or non-ASCII tokens are refused before any parsing or crypto.
    - A token whose JWKS key must be fetched first waits for the fetch in `verify`;
      `verify_or_fetch` hands the fetch back instead, never waiting.
    - Every refusal is InvalidTokenError with its fixed message: PyJWT's messages
      carry attacker-chosen text and never leave this class; only a fixed reason does.
    """

    def __init__(self, config: JwtConfig, keys: JwksKeys | None = None) -> None:
        self._config = config
        self._keys: _KeySource
        if config.secret is not None:
            self._keys = _SharedSecret(config.secret)
        else:
            self._keys = keys or JwksKeys(config)
        self._rules = config.claim_rules
        self._options: Options = {
            "require": ["exp", "sub"],
            "verify_aud": config.audience is not None,
            "enforce_minimum_key_length": True,
        }

    def verify(self, token: str) -> VerifiedClaims:
        header = self._header(token)
        return self._claims(token, header, self._keys.key_for(header))

    def verify_or_fetch(self, token: str) -> VerifiedClaims | KeyFetch:
        header = self._header(token)
        key = self._keys.key_or_fetch(header)
        if not isinstance(key, str | PyJWK):
            return key
        return self._claims(token, header, key)

    def verify_with_keys_at_hand(self, token: str) -> VerifiedClaims:
        header = self._header(token)
        return self._claims(token, header, self._keys.key_at_hand(header))

    def _claims(self, token: str, header: dict[str, Any], key: str | PyJWK) -> VerifiedClaims:
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=list(self._config.algorithms),
                options=self._options,
                issuer=self._config.issuer,
                audience=self._config.audience,
                leeway=self._config.leeway_seconds,
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(_reason(error)) from None
        refusal = self._rules.refusal(header, payload)
        if refusal is not None:
            raise InvalidTokenError(refusal)
        claims = claims_from(payload, self._rules)
        if claims is None:
            raise InvalidTokenError("bad_claims")
        return claims

    def _header(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise InvalidTokenError("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidTokenError("malformed") from None
        # Refused here too so that a wrong `alg` never costs a JWKS fetch.
        if header.get("alg") not in self._config.algorithms:
            raise InvalidTokenError("wrong_algorithm")
        return header
