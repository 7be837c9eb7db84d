"""The todo domain: entities, values and rules, in the standard library only."""

from domain.errors import (
    DomainError,
    InvalidValueError,
    TodoNotFoundError,
    UserDeactivatedError,
    UserNotFoundError,
    VersionConflictError,
)
from domain.todo import UNSET, NewTodo, Todo, TodoChanges, TodoId, Unset
from domain.user import User, UserId
from domain.values import Priority

__all__ = [
    "UNSET",
    "DomainError",
    "InvalidValueError",
    "NewTodo",
    "Priority",
    "Todo",
    "TodoChanges",
    "TodoId",
    "TodoNotFoundError",
    "Unset",
    "User",
    "UserDeactivatedError",
    "UserId",
    "UserNotFoundError",
    "VersionConflictError",
]
