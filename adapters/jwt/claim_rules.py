from dataclasses import dataclass, field
from typing import Any

from todo_service.adapters.jwt.claim_paths import ClaimPath
from todo_service.application.errors import TokenRefusal

MAX_RULE_VALUES = 32
MAX_RULE_VALUE_LENGTH = 256


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """What a provider's tokens must say beyond `iss`/`aud`, and where the profile sits.

    - `authorized_parties`: `azp` must be one of them (Clerk: the front end's origins).
    - `client_id`: the `client_id` claim must equal it (Cognito and RFC 9068 access tokens).
    - `token_use`: the `token_use` claim must equal it (Cognito: `access` refuses ID tokens).
    - `token_type`: the header's `typ` must name it (`at+jwt`, RFC 9068; an `application/`
      prefix and letter case are ignored, RFC 7515 §4.1.9).
    - `required_scopes`: each must be in the space-separated `scope` claim.
    - Email and name are read at their claim paths and kept only when they are strings.
    """

    email_claim: ClaimPath = field(default_factory=lambda: ClaimPath(("email",)))
    name_claim: ClaimPath = field(default_factory=lambda: ClaimPath(("name",)))
    authorized_parties: tuple[str, ...] = ()
    client_id: str | None = None
    token_use: str | None = None
    token_type: str | None = None
    required_scopes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for setting, values in (
            ("JWT_AUTHORIZED_PARTIES", self.authorized_parties),
            ("JWT_REQUIRED_SCOPES", self.required_scopes),
        ):
            if len(values) > MAX_RULE_VALUES:
                raise ValueError(f"{setting} takes at most {MAX_RULE_VALUES} values")
            for value in values:
                _check_value(setting, value)
        for setting, single in (
            ("JWT_CLIENT_ID", self.client_id),
            ("JWT_TOKEN_USE", self.token_use),
            ("JWT_TOKEN_TYPE", self.token_type),
        ):
            if single is not None:
                _check_value(setting, single)

    @property
    def names_the_recipient(self) -> bool:
        """Whether a token meant for another application fails these rules without `aud`."""
        return bool(self.authorized_parties) or self.client_id is not None

    def refusal(self, header: dict[str, Any], claims: dict[str, Any]) -> TokenRefusal | None:
        """Why a signed token's header and claims break these rules, or None when they keep them."""
        if self.token_type is not None and _media_type(header.get("typ")) != _media_type(
            self.token_type
        ):
            return "wrong_token_type"
        if self.token_use is not None and claims.get("token_use") != self.token_use:
            return "wrong_token_type"
        if self.authorized_parties and claims.get("azp") not in self.authorized_parties:
            return "wrong_audience"
        if self.client_id is not None and claims.get("client_id") != self.client_id:
            return "wrong_audience"
        if self.required_scopes and not set(self.required_scopes) <= _scopes(claims):
            return "missing_scope"
        return None


def _check_value(setting: str, value: str) -> None:
    printable = value.isprintable() and value == value.strip()
    if not (0 < len(value) <= MAX_RULE_VALUE_LENGTH and printable):
        raise ValueError(f"{setting} values must be 1-{MAX_RULE_VALUE_LENGTH} printable characters")


def _media_type(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    lowered = value.lower()
    return lowered.removeprefix("application/")


def _scopes(claims: dict[str, Any]) -> set[str]:
    scope = claims.get("scope")
    return set(scope.split()) if isinstance(scope, str) else set()
