from dataclasses import dataclass, replace
from datetime import datetime

from todo_service.domain.errors import InvalidValueError, UserDeactivatedError
from todo_service.domain.values import parse_instant, require_text

USER_ID_MAX_LENGTH = 255
EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True, order=True)
class UserId:
    """Who acts: the identity provider's subject (the token's `sub`)."""

    value: str

    def __post_init__(self) -> None:
        require_text("user id", self.value)
        if not 1 <= len(self.value) <= USER_ID_MAX_LENGTH:
            raise InvalidValueError("user id", f"must be 1 to {USER_ID_MAX_LENGTH} characters")
        if any(ord(c) < 0x20 or c == "\x7f" for c in self.value):
            raise InvalidValueError("user id", "must not contain control characters")

    def __str__(self) -> str:
        return self.value


def _optional_profile_text(field: str, value: str | None, max_length: int) -> str | None:
    if value is None:
        return None
    require_text(field, value)
    if len(value) > max_length or "\x00" in value:
        raise InvalidValueError(field, f"must be at most {max_length} characters, without NUL")
    return value


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    email: str | None
    name: str | None
    created_at: datetime
    active: bool = True

    def __post_init__(self) -> None:
        _optional_profile_text("email", self.email, EMAIL_MAX_LENGTH)
        _optional_profile_text("name", self.name, NAME_MAX_LENGTH)
        object.__setattr__(self, "created_at", parse_instant("created_at", self.created_at))

    def require_active(self) -> None:
        if not self.active:
            raise UserDeactivatedError

    def with_active(self, active: bool) -> "User":
        return self if active == self.active else replace(self, active=active)
