"""Limits and quotas: what one user may hold and do, and how long the service remembers
what it must (idempotency keys, deleted todos' tombstones)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from todo_service.domain.quota import DEFAULT_MAX_TEXT_BYTES, DEFAULT_MAX_TODOS
from todo_service.entrypoints.settings.common import blank_means_unset

# An idempotency record past a month protects no retry a client still makes.
MAX_IDEMPOTENCY_TTL_SECONDS = 30 * 86400

# A rate limit's bounds: 100,000 requests a second, a million at once, are beyond any load
# one user can send; the benchmark runs at them (tests/support/rate_limits.py).
MAX_RATE_PER_MINUTE = 6_000_000
MAX_BURST = 1_000_000

_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


def _per_minute(default: int, description: str) -> Any:
    return Field(default=default, ge=1, le=MAX_RATE_PER_MINUTE, description=description)


def _burst(default: int, description: str) -> Any:
    return Field(default=default, ge=1, le=MAX_BURST, description=description)


class LimitSettings(BaseModel):
    """Retention of idempotency keys and tombstones, per-user quotas and rate limits."""

    model_config = ConfigDict(extra="forbid")

    # The two retentions are limits too: each bounds how long the service keeps a record
    # on a client's behalf, and what a late retry or an old sync token can still expect.
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
    # The rate limits' own store, not the database: only the counts live there.
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

    # Before `_redis_scheme`, which then sees a blank URL as unset.
    @field_validator("rate_limit_redis_url")
    @classmethod
    def _empty_redis_url_means_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return blank_means_unset(value)

    @field_validator("rate_limit_redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = value.get_secret_value().partition("://")[0]
            if scheme not in _REDIS_SCHEMES:
                # The scheme only: the rest of the URL may hold a password.
                raise ValueError(f"must start with redis://, rediss:// or unix://, not {scheme!r}")
        return value
