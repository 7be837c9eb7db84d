from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any, Final
from uuid import UUID

from todo_service.domain.errors import InvalidValueError, TodoNotFoundError, VersionConflictError
from todo_service.domain.user import UserId
from todo_service.domain.values import (
    Priority,
    parse_completed,
    parse_description,
    parse_instant,
    parse_optional_instant,
    parse_optional_order,
    parse_order,
    parse_priority,
    parse_title,
)

TodoId = UUID


class Unset(Enum):
    """Marks a field a partial change leaves alone (as opposed to setting it to None)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET

# The largest version a store holds (a signed 64-bit integer); a todo there changes no more.
MAX_VERSION: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class NewTodo:
    """What a user provides to create a todo; everything else is the service's."""

    title: str
    description: str | None = None
    priority: Priority = Priority.MEDIUM
    due_at: datetime | None = None
    completed: bool = False
    # Where it stands in the owner's list; None puts it at the end (CreateTodo does).
    order: int | None = None

    def parsed(self) -> "NewTodo":
        """This request with every field checked and normalised by its rule
        (InvalidValueError otherwise): what the todo will hold, but for an order left None."""
        parsed = {name: parse(getattr(self, name)) for name, parse in GIVEN_FIELDS.items()}
        return NewTodo(**parsed)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class TodoChanges:
    """A partial change: UNSET leaves a field alone, None clears an optional one."""

    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    priority: Priority | Unset = UNSET
    due_at: datetime | Unset | None = UNSET
    completed: bool | Unset = UNSET
    order: int | Unset = UNSET

    def given(self) -> dict[str, object]:
        """The fields this change sets, each checked and normalised by its rule
        (InvalidValueError otherwise); the UNSET ones are left out."""
        return {
            name: parse(value)
            for name, parse in GIVEN_FIELDS.items()
            if (value := getattr(self, name)) is not UNSET
        }


# The fields a user gives (NewTodo's, and TodoChanges' alike), each with the rule that
# checks and normalises it: `Todo.create` and `Todo.changed` both go through this one table,
# so a new field is declared on NewTodo, TodoChanges and Todo, and given its rule here.
# (tests/unit/domain/test_todo_shape.py holds the four to the same names.)
GIVEN_FIELDS: Final[Mapping[str, Callable[[Any], object]]] = {
    "title": parse_title,
    "description": parse_description,
    "priority": parse_priority,
    "due_at": partial(parse_optional_instant, "due_at"),
    "completed": parse_completed,
    "order": parse_optional_order,
}


@dataclass(frozen=True, slots=True)
class Todo:
    """A todo and its invariants; every change returns a new Todo one version up."""

    id: TodoId
    owner_id: UserId
    title: str
    description: str | None
    priority: Priority
    due_at: datetime | None
    completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    order: int = 0
    version: int = field(default=1)

    def __post_init__(self) -> None:
        # Every given field passes its own rule, so a new field is checked here too. Its
        # value must be what the rule makes of it (a title already stripped): a todo holds
        # values as normalised. Only an instant is normalised here, to UTC: its rule's
        # result equals it, whatever the offset it came with.
        for name, parse in GIVEN_FIELDS.items():
            given = getattr(self, name)
            parsed = parse(given)
            if parsed is given:
                continue  # most values: the rule returns them as they are
            if parsed != given:
                raise InvalidValueError(
                    name,
                    "must be as its rule leaves it (a title: stripped of surrounding whitespace)",
                )
            object.__setattr__(self, name, parsed)
        # The rule lets a request leave the order to the service; a todo has its place.
        if self.order is None:
            parse_order(self.order)
        for name in ("completed_at", "created_at", "updated_at"):
            object.__setattr__(self, name, parse_optional_instant(name, getattr(self, name)))
        if not 1 <= self.version <= MAX_VERSION:
            raise InvalidValueError("version", f"must be between 1 and {MAX_VERSION}")
        if self.completed != (self.completed_at is not None):
            raise InvalidValueError("completed_at", "must be set exactly when completed")

    @classmethod
    def create(cls, todo_id: TodoId, owner_id: UserId, new: NewTodo, now: datetime) -> "Todo":
        """A todo as `new` asks, at version 1. It cannot see the owner's list: one without
        an order stands at 0 (CreateTodo places it at the end of the list first)."""
        now = parse_instant("now", now)
        given = {name: parse(getattr(new, name)) for name, parse in GIVEN_FIELDS.items()}
        if given["order"] is None:
            given["order"] = 0
        return cls(
            id=todo_id,
            owner_id=owner_id,
            **given,  # type: ignore[arg-type]
            completed_at=now if given["completed"] else None,
            created_at=now,
            updated_at=now,
        )

    def is_owned_by(self, user_id: UserId) -> bool:
        return self.owner_id == user_id

    def require_owner(self, user_id: UserId) -> None:
        """Another user's todo is reported exactly like a missing one."""
        if not self.is_owned_by(user_id):
            raise TodoNotFoundError

    def require_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise VersionConflictError(expected=expected, actual=self.version)

    def changed(self, changes: TodoChanges, now: datetime) -> "Todo":
        """Apply a partial change; a change that changes nothing returns this todo as is."""
        effective = {name: v for name, v in changes.given().items() if getattr(self, name) != v}
        if not effective:
            return self
        # The clock may step back; updated_at never does.
        moment = max(parse_instant("now", now), self.updated_at)
        if "completed" in effective:
            effective["completed_at"] = moment if effective["completed"] else None
        return replace(self, **effective, updated_at=moment, version=self.version + 1)  # type: ignore[arg-type]

    def toggled(self, now: datetime) -> "Todo":
        return self.changed(TodoChanges(completed=not self.completed), now)
