"""The todo domain: entities, values and rules, in the standard library only."""

from todo_service.domain.errors import (
    DomainError,
    InvalidValueError,
    QuotaExceededError,
    TodoNotFoundError,
    UserDeactivatedError,
    UserNotFoundError,
    VersionConflictError,
)
from todo_service.domain.ordering import After, Before, Edge, Placement
from todo_service.domain.quota import Quota, Usage
from todo_service.domain.todo import UNSET, NewTodo, Todo, TodoChanges, TodoId, Unset
from todo_service.domain.user import User, UserId
from todo_service.domain.values import Priority

__all__ = [
    "UNSET",
    "After",
    "Before",
    "DomainError",
    "Edge",
    "InvalidValueError",
    "NewTodo",
    "Placement",
    "Priority",
    "Quota",
    "QuotaExceededError",
    "Todo",
    "TodoChanges",
    "TodoId",
    "TodoNotFoundError",
    "Unset",
    "Usage",
    "User",
    "UserDeactivatedError",
    "UserId",
    "UserNotFoundError",
    "VersionConflictError",
]
