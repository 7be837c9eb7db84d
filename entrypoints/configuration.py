import logging
from datetime import timedelta
from typing import Any

from todo_service.adapters.jwt import ClaimPath, ClaimRules, JwtConfig
from todo_service.adapters.jwt.config import UNSAFE_OPT_OUT
from todo_service.adapters.memory import InProcessRateLimiter
from todo_service.adapters.redis import RedisRateLimiter, redis_client
from todo_service.adapters.sql import SqlEngineOptions
from todo_service.application import RateLimits, RatePolicy
from todo_service.application.ports import RateLimiter
from todo_service.domain import Quota
from todo_service.entrypoints.blocking import off_the_event_loop
from todo_service.entrypoints.settings import (
    ConfigurationError,
    ServiceSettings,
    derived_cursor_secret,
)

log = logging.getLogger("todo.auth")


def jwt_config(settings: ServiceSettings) -> JwtConfig:
    """The verifier's configuration; its own checks become one clear start-up line."""
    optional: dict[str, Any] = {}
    if settings.jwt_leeway_seconds is not None:
        optional["leeway_seconds"] = settings.jwt_leeway_seconds
    secret = settings.jwt_secret
    try:
        config = JwtConfig(
            secret=None if secret is None else secret.get_secret_value(),
            jwks_url=settings.jwt_jwks_url,
            algorithms=settings.jwt_algorithms,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks_cache_seconds=settings.jwt_jwks_cache_seconds,
            jwks_timeout_seconds=settings.jwt_jwks_timeout_seconds,
            jwks_refetch_cooldown_seconds=settings.jwt_jwks_refetch_cooldown_seconds,
            claim_rules=_claim_rules(settings),
            accept_any_issuer_and_audience=settings.jwt_insecure_accept_any_issuer_and_audience,
            **optional,
        )
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    if config.jwks_url is not None and config.accept_any_issuer_and_audience:
        log.warning(
            "%s=true: tokens the identity provider issued for any application are accepted",
            UNSAFE_OPT_OUT,
        )
    return config


def _claim_rules(settings: ServiceSettings) -> ClaimRules:
    return ClaimRules(
        email_claim=ClaimPath.parse(settings.jwt_email_claim, "JWT_EMAIL_CLAIM"),
        name_claim=ClaimPath.parse(settings.jwt_name_claim, "JWT_NAME_CLAIM"),
        authorized_parties=settings.jwt_authorized_parties,
        client_id=settings.jwt_client_id,
        token_use=settings.jwt_token_use,
        token_type=settings.jwt_token_type,
        required_scopes=settings.jwt_required_scopes,
    )


def cursor_secret(settings: ServiceSettings) -> bytes:
    secret = derived_cursor_secret(settings)
    if secret is None:
        raise ConfigurationError("Set CURSOR_SECRET (32+ bytes) or JWT_SECRET to sign cursors")
    if len(secret) < 32:
        raise ConfigurationError("CURSOR_SECRET must be at least 32 bytes long")
    return secret


def sql_engine_options(settings: ServiceSettings) -> SqlEngineOptions:
    return SqlEngineOptions(
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout_seconds=settings.database_pool_timeout_seconds,
        connect_timeout_seconds=settings.database_connect_timeout_seconds,
        pool_recycle_seconds=settings.database_pool_recycle_seconds,
        prepare_threshold=settings.database_prepare_threshold,
        sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        ping_idle_seconds=settings.database_ping_idle_seconds,
        search_timeout_ms=settings.database_search_timeout_ms,
    )


def idempotency_ttl(settings: ServiceSettings) -> timedelta:
    return timedelta(seconds=settings.idempotency_ttl_seconds)


def change_retention(settings: ServiceSettings) -> timedelta:
    return timedelta(days=settings.change_retention_days)


def quota(settings: ServiceSettings) -> Quota:
    return Quota(settings.max_todos_per_user, settings.max_text_bytes_per_user)


def rate_limits(settings: ServiceSettings) -> RateLimits:
    """The per-user limits: counted in this process, or in Redis when RATE_LIMIT_REDIS_URL
    is set (falling back to this process' counts while Redis is away), or not at all."""
    if not settings.rate_limits_enabled:
        return RateLimits.off()
    limiter: RateLimiter = InProcessRateLimiter()
    if settings.rate_limit_redis_url is not None:
        try:
            client = redis_client(
                settings.rate_limit_redis_url.get_secret_value(),
                settings.rate_limit_redis_timeout_seconds,
            )
        except ValueError:
            # redis-py's message may quote the URL, password included.
            raise ConfigurationError("RATE_LIMIT_REDIS_URL could not be parsed") from None
        limiter = RedisRateLimiter(
            client,
            settings.rate_limit_redis_prefix,
            fallback=limiter,
            blocking=off_the_event_loop,
        )
    return RateLimits(
        limiter,
        reads=RatePolicy(
            "reads", settings.rate_limit_reads_per_minute, settings.rate_limit_read_burst
        ),
        writes=RatePolicy(
            "writes", settings.rate_limit_writes_per_minute, settings.rate_limit_write_burst
        ),
    )
