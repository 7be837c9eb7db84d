from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from todo_service.application import (
    AuthenticationUnavailableError,
    ConcurrentUpdateError,
    IdempotencyConflictError,
    InvalidTokenError,
    RateLimitExceededError,
    StatementTimeoutError,
    StorageUnavailableError,
    SyncTokenExpiredError,
)
from todo_service.domain import (
    InvalidValueError,
    QuotaExceededError,
    TodoNotFoundError,
    UserDeactivatedError,
    UserNotFoundError,
    VersionConflictError,
)
from todo_service.entrypoints.http.auth import MissingCredentialsError
from todo_service.entrypoints.http.live_updates import StreamsFullError, TooManyStreamsError
from todo_service.entrypoints.http.problems.rate_limit_headers import (
    RATE_LIMIT_HEADERS_DOC,
    rate_limit_headers,
)
from todo_service.entrypoints.http.request_limits import MAX_BODY_BYTES, BodyTooLargeError

RETRY_AFTER_SECONDS = "5"


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    status: int
    when: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # Headers whose values come from the error itself, and what each means (for OpenAPI).
    headers_of: Callable[[Any], Mapping[str, str]] | None = None
    header_meanings: Mapping[str, str] = field(default_factory=dict)

    def headers_for(self, error: Exception) -> Mapping[str, str]:
        if self.headers_of is None:
            return self.headers
        return {**self.headers, **self.headers_of(error)}


_RETRY = {"Retry-After": RETRY_AFTER_SECONDS}

# The one table from exceptions to responses; it also documents every operation's errors.
PROBLEMS: Mapping[type[Exception], ProblemSpec] = {
    MissingCredentialsError: ProblemSpec(401, "No bearer token.", {"WWW-Authenticate": "Bearer"}),
    InvalidTokenError: ProblemSpec(
        401,
        "The token is malformed, unsigned, expired or not for this service.",
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    ),
    UserDeactivatedError: ProblemSpec(403, "The user is deactivated."),
    TodoNotFoundError: ProblemSpec(404, "No such todo among the caller's (mine or missing alike)."),
    UserNotFoundError: ProblemSpec(404, "No such user."),
    ConcurrentUpdateError: ProblemSpec(409, "The todo kept changing under the write; retry."),
    IdempotencyConflictError: ProblemSpec(
        409, "`Idempotency-Key` was used before with a different request."
    ),
    QuotaExceededError: ProblemSpec(
        409,
        "The user's quota of todos, or of text, would be exceeded; nothing was changed. "
        "Delete or shorten todos first (`detail` names the limit).",
    ),
    SyncTokenExpiredError: ProblemSpec(
        410,
        "The sync token is older than the change log keeps deletions (`CHANGE_RETENTION_DAYS`): "
        "start a full sync again, without a token, and replace the todos held.",
    ),
    VersionConflictError: ProblemSpec(412, "`If-Match` names a version the todo is no longer at."),
    BodyTooLargeError: ProblemSpec(413, f"The body is larger than {MAX_BODY_BYTES} bytes."),
    RateLimitExceededError: ProblemSpec(
        429,
        "The caller made more reads, or more writes, than their rate limit allows; "
        "retry after `Retry-After` seconds. Nothing was done.",
        headers_of=rate_limit_headers,
        header_meanings=RATE_LIMIT_HEADERS_DOC,
    ),
    TooManyStreamsError: ProblemSpec(
        429, "The user holds as many live update streams as allowed; close one first.", _RETRY
    ),
    InvalidValueError: ProblemSpec(422, "A value breaks its rules; `errors` says which."),
    AuthenticationUnavailableError: ProblemSpec(
        503, "The identity provider's keys cannot be fetched; retry later.", _RETRY
    ),
    StatementTimeoutError: ProblemSpec(
        503,
        "The search ran longer than `DATABASE_SEARCH_TIMEOUT_MS` and was stopped; narrow it "
        "(a longer `q`, a filter) or retry later.",
        _RETRY,
    ),
    StreamsFullError: ProblemSpec(
        503, "The worker holds as many live update streams as it can; retry later.", _RETRY
    ),
    StorageUnavailableError: ProblemSpec(
        503, "The database is not answering; retry later.", _RETRY
    ),
}


def spec_for(error: Exception) -> ProblemSpec:
    for kind in type(error).__mro__:
        if kind in PROBLEMS:
            return PROBLEMS[kind]
    raise LookupError(type(error).__name__)
