from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from todo_service.adapters.jwt.config import require_strong_secret


def mint_token(
    secret: str,
    subject: str,
    *,
    email: str | None = None,
    name: str | None = None,
    ttl_seconds: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
    now: datetime | None = None,
) -> str:
    """An HS256 token for development and tests, signed with the deployment's secret."""
    require_strong_secret(secret)
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    issued_at = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "iat": issued_at,
        "exp": issued_at + timedelta(seconds=ttl_seconds),
    }
    optional = {"email": email, "name": name, "iss": issuer, "aud": audience}
    claims.update({claim: value for claim, value in optional.items() if value is not None})
    return jwt.encode(claims, secret, algorithm="HS256")
