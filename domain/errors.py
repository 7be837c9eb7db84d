class DomainError(Exception):
    """A rule of the todo domain was broken; the message is safe to show a client."""


class InvalidValueError(DomainError):
    """A value does not satisfy its field's rules."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


class TodoNotFoundError(DomainError):
    """No todo with that id is visible to the acting user.

    Deliberately the same error for "does not exist" and "belongs to someone else",
    so that no caller can learn of another user's todos.
    """

    def __init__(self) -> None:
        super().__init__("Todo not found")


class VersionConflictError(DomainError):
    """The todo changed since the version the caller based its change on."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"Todo is at version {actual}, not the expected version {expected}")
        self.expected = expected
        self.actual = actual


class QuotaExceededError(DomainError):
    """The write would take the user past their quota of todos or of stored text;
    nothing was changed. The message says which limit, and its value."""


class UserDeactivatedError(DomainError):
    def __init__(self) -> None:
        super().__init__("User is deactivated")


class UserNotFoundError(DomainError):
    def __init__(self) -> None:
        super().__init__("User not found")
