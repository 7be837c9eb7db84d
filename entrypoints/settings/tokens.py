"""Tokens and identity providers: how a bearer token is verified, and for how long a
verified user is trusted; and the key that signs pagination cursors."""

import hashlib
import hmac
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from todo_service.adapters.jwt.config import (
    MAX_JWKS_CACHE_SECONDS,
    MAX_JWKS_COOLDOWN_SECONDS,
    MAX_JWKS_TIMEOUT_SECONDS,
    MAX_LEEWAY_SECONDS,
)
from todo_service.entrypoints.settings.common import blank_means_unset, split_list

# A deactivation must take effect within minutes, whatever the cache says.
MAX_USER_CACHE_SECONDS = 300


class TokenSettings(BaseModel):
    """The shared secret or the identity provider, the claims a token must carry, the
    key set's cache, the cursor key, and the cache of verified users and tokens."""

    model_config = ConfigDict(extra="forbid")

    jwt_secret: SecretStr | None = Field(
        default=None, description="HS256 shared secret (32+ bytes); exclusive with jwt_jwks_url."
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="JWKS URL of an identity provider (RS256, ES256, EdDSA)."
    )
    jwt_algorithms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated allow-list; empty means HS256 or the JWKS default set.",
    )
    jwt_issuer: str | None = Field(default=None, description="Required `iss`, when set.")
    jwt_audience: str | None = Field(default=None, description="Required `aud`, when set.")
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

    # Here rather than with the database's settings: without CURSOR_SECRET the cursor key
    # is derived from JWT_SECRET (derived_cursor_secret below), and JWKS mode requires it.
    cursor_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs pagination cursors; share it across workers (32+ bytes).",
    )

    # Here rather than with the database's settings: it bounds how long a verified token,
    # and the user it names, are trusted without asking again (a withdrawn key included).
    user_cache_seconds: float = Field(
        default=5,
        ge=0,
        le=MAX_USER_CACHE_SECONDS,
        allow_inf_nan=False,
        description="Each worker remembers a user, and a verified token, this long: a "
        "deactivation or a withdrawn signing key takes effect within it. 0: never remember.",
    )

    @field_validator("jwt_algorithms", "jwt_authorized_parties", mode="before")
    @classmethod
    def _split_at_commas(cls, value: object) -> object:
        return split_list(value)

    @field_validator("jwt_required_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> object:
        return split_list(value.replace(",", " ") if isinstance(value, str) else value, sep=None)

    # Named apart from the other concerns' validators: in the composed classes, a validator
    # of the same name would replace this one.
    @field_validator(
        "jwt_secret",
        "jwt_jwks_url",
        "jwt_issuer",
        "jwt_audience",
        "jwt_client_id",
        "jwt_token_use",
        "jwt_token_type",
        "cursor_secret",
    )
    @classmethod
    def _empty_token_setting_means_unset(
        cls, value: str | SecretStr | None
    ) -> str | SecretStr | None:
        return blank_means_unset(value)


def derived_cursor_secret(settings: TokenSettings) -> bytes | None:
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
