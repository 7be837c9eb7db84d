from typing import Literal

# Why a token was refused, from a fixed set: safe as a metrics label, since none of it
# comes from the token. The response says none of it (one fixed 401 for all).
TokenRefusal = Literal[
    "malformed",
    "wrong_algorithm",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
    "missing_claim",
    "bad_claims",
    "unknown_key",
    "wrong_token_type",
    "missing_scope",
    "invalid",
]

# Why the database could not be used: `pool_timeout` when no pooled connection came
# free in time (the database may be fine, the service short of connections).
# `statement_timeout` when a search ran past its time and was stopped (the database is fine).
# `read_only` when the database answers but refuses writes (a read-only database, a standby).
StorageTrouble = Literal["unreachable", "pool_timeout", "statement_timeout", "read_only"]


class ApplicationError(Exception):
    """A use case could not be carried out for a reason outside the domain's rules."""


class InvalidTokenError(ApplicationError):
    """The bearer token is missing, malformed, unsigned, expired or not for us.

    The message is fixed on purpose: verifier details can carry attacker-chosen text;
    `reason` is one of a fixed set (`TokenRefusal`), for the operators' metrics only.
    """

    def __init__(self, reason: TokenRefusal = "invalid") -> None:
        super().__init__("Invalid or expired token")
        self.reason: TokenRefusal = reason


class AuthenticationUnavailableError(ApplicationError):
    """The keys needed to verify tokens cannot be fetched right now."""

    def __init__(self) -> None:
        super().__init__("Token keys are temporarily unavailable")


class StorageUnavailableError(ApplicationError):
    """The database cannot be reached; the operation may be retried later.

    `reason` (`StorageTrouble`) tells an unreachable database from a pool out of
    connections, for the operators' metrics; the message is the same for both.
    """

    def __init__(self, reason: StorageTrouble = "unreachable") -> None:
        super().__init__("The database is temporarily unavailable")
        self.reason: StorageTrouble = reason


class StatementTimeoutError(StorageUnavailableError):
    """A search ran past the time the database allows it and was stopped.

    The database and the connection are fine; the same listing would most likely be
    stopped again, a narrower one (a longer `q`, a filter) would not.
    """

    def __init__(self) -> None:
        ApplicationError.__init__(
            self,
            "The search took longer than the database allows and was stopped; "
            "narrow it (a longer `q`, a filter) or retry later",
        )
        self.reason: StorageTrouble = "statement_timeout"


class StaleWriteError(ApplicationError):
    """A repository refused to overwrite a todo that changed since it was read, or the
    database rolled back a write that lost a race (a deadlock): either way, running the
    write again from the start lands it (retry_stale_writes)."""

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
