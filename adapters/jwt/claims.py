from datetime import UTC, datetime
from typing import Any

from todo_service.adapters.jwt.claim_rules import ClaimRules
from todo_service.application.ports import VerifiedClaims
from todo_service.domain import InvalidValueError, UserId


def claims_from(payload: dict[str, Any], rules: ClaimRules) -> VerifiedClaims | None:
    """The claims we trust from a verified payload, or None when `sub` is unusable.

    `sub` must pass the same rule as a UserId (a string of 1-255 characters without
    control characters); PyJWT only checks that it is present and a string.
    Email and name are optional, read at the rules' claim paths, and taken only
    when they are strings.
    """
    subject = payload.get("sub")
    if not isinstance(subject, str):
        return None
    try:
        UserId(subject)
    except InvalidValueError:
        return None
    return VerifiedClaims(
        subject=subject,
        email=_optional_text(rules.email_claim.find(payload)),
        name=_optional_text(rules.name_claim.find(payload)),
        expires_at=_instant(payload.get("exp")),
    )


def _instant(numeric_date: object) -> datetime | None:
    # PyJWT has checked `exp` is a number in range when it validated it.
    if isinstance(numeric_date, int | float) and not isinstance(numeric_date, bool):
        return datetime.fromtimestamp(numeric_date, UTC)
    return None


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None
