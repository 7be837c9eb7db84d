"""The in-process API: use cases over ports, free of HTTP, SQL and frameworks."""

from todo_service.application.changes import ChangesPage, Deletion, SyncTokenExpiredError
from todo_service.application.errors import (
    ApplicationError,
    AuthenticationUnavailableError,
    ConcurrentUpdateError,
    IdempotencyConflictError,
    InvalidTokenError,
    StaleWriteError,
    StatementTimeoutError,
    StorageTrouble,
    StorageUnavailableError,
    TokenRefusal,
)
from todo_service.application.listing import (
    Sort,
    SortDirection,
    SortField,
    TodoFilters,
    TodoPage,
    TodoQuery,
)
from todo_service.application.ports import VerifiedClaims
from todo_service.application.rate_limits import (
    Access,
    RateLimitExceededError,
    RateLimits,
)
from todo_service.application.rate_policy import RatePolicy
from todo_service.application.service import TodoService
from todo_service.application.use_cases import ListTodosRequest

__all__ = [
    "Access",
    "ApplicationError",
    "AuthenticationUnavailableError",
    "ChangesPage",
    "ConcurrentUpdateError",
    "Deletion",
    "IdempotencyConflictError",
    "InvalidTokenError",
    "ListTodosRequest",
    "RateLimitExceededError",
    "RateLimits",
    "RatePolicy",
    "Sort",
    "SortDirection",
    "SortField",
    "StaleWriteError",
    "StatementTimeoutError",
    "StorageTrouble",
    "StorageUnavailableError",
    "SyncTokenExpiredError",
    "TodoFilters",
    "TodoPage",
    "TodoQuery",
    "TodoService",
    "TokenRefusal",
    "VerifiedClaims",
]
