"""The in-process API: use cases over ports, free of HTTP, SQL and frameworks."""

from application.errors import (
    ApplicationError,
    AuthenticationUnavailableError,
    ConcurrentUpdateError,
    IdempotencyConflictError,
    InvalidTokenError,
    StaleWriteError,
    StorageUnavailableError,
)
from application.listing import Sort, SortDirection, SortField, TodoFilters, TodoPage, TodoQuery
from application.ports import VerifiedClaims
from application.service import TodoService
from application.use_cases import ListTodosRequest

__all__ = [
    "ApplicationError",
    "AuthenticationUnavailableError",
    "ConcurrentUpdateError",
    "IdempotencyConflictError",
    "InvalidTokenError",
    "ListTodosRequest",
    "Sort",
    "SortDirection",
    "SortField",
    "StaleWriteError",
    "StorageUnavailableError",
    "TodoFilters",
    "TodoPage",
    "TodoQuery",
    "TodoService",
    "VerifiedClaims",
]
