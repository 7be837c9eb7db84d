from datetime import UTC, datetime
from typing import Any

from todo_service.adapters.jwt.claim_rules import ClaimRules
from todo_service.application.ports import VerifiedClaims
from todo_service.domain import InvalidValueError, UserId

_TIME_CLAIMS = ("exp", "nbf", "iat")


class _UnrepresentableDateError(Exception):
    """A NumericDate no datetime can hold: before year 1 or after 9999-12-31."""


def claims_from(payload: dict[str, Any], rules: ClaimRules) -> VerifiedClaims | None:
    """The claims we trust from a verified payload, or None when one is unusable.

    `sub` must pass the same rule as a UserId (a string of 1-255 characters without
    control characters); PyJWT only checks that it is present and a string.
    Email and name are optional, read at the rules' claim paths, and taken only
    when they are strings.

    A time claim past 9999-12-31 (or before year 1) makes the claims unusable too:
    PyJWT compares `exp`, `nbf` and `iat` as numbers only, so a validly signed token
    can carry one, and turning it into a datetime would fail (a 500, not a 401).
    """
    try:
        instants = {name: _instant(payload.get(name)) for name in _TIME_CLAIMS}
    except _UnrepresentableDateError:
        return None
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
        expires_at=instants["exp"],
    )


def _instant(numeric_date: object) -> datetime | None:
    """A NumericDate as a datetime; None when it is no number (PyJWT has compared it)."""
    if not isinstance(numeric_date, int | float) or isinstance(numeric_date, bool):
        return None
    try:
        return datetime.fromtimestamp(numeric_date, UTC)
    except (OverflowError, OSError, ValueError):
        raise _UnrepresentableDateError from None


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None
