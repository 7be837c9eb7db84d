class ApplicationError(Exception):
    """A use case could not be carried out for a reason outside the domain's rules."""


class InvalidTokenError(ApplicationError):
    """The bearer token is missing, malformed, unsigned, expired or not for us.

    The message is fixed on purpose: verifier details can carry attacker-chosen text.
    """

    def __init__(self) -> None:
        super().__init__("Invalid or expired token")


class AuthenticationUnavailableError(ApplicationError):
    """The keys needed to verify tokens cannot be fetched right now."""

    def __init__(self) -> None:
        super().__init__("Token keys are temporarily unavailable")


class StorageUnavailableError(ApplicationError):
    """The database cannot be reached; the operation may be retried later."""

    def __init__(self) -> None:
        super().__init__("The database is temporarily unavailable")


class StaleWriteError(ApplicationError):
    """A repository refused to overwrite a todo that changed since it was read."""

    def __init__(self) -> None:
        super().__init__("Todo changed while it was being written")


class ConcurrentUpdateError(ApplicationError):
    """A todo kept changing under a write for longer than the retry budget."""

    def __init__(self) -> None:
        super().__init__("Todo is being changed concurrently; retry the request")


class IdempotencyConflictError(ApplicationError):
    """An idempotency key came back with another request than the one it was first used for."""

    def __init__(self, reason: str = "a different request") -> None:
        super().__init__(f"Idempotency-Key was already used for {reason}")
