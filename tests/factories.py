"""Small builders of test data and deterministic stand-ins for the clock and id ports."""

import itertools
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from todo_service.application import RateLimits, TodoService
from todo_service.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from todo_service.domain import NewTodo, Todo, TodoId, UserId

ALICE = UserId("alice")
BOB = UserId("bob")
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
CURSOR_SECRET = b"k" * 32


class FixedClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 1) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current


class SteppedSeconds:
    """A monotonic clock in seconds, as the rate limiters read one; moved by the test."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SequentialIds(IdGenerator):
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_todo_id(self) -> TodoId:
        return uuid.UUID(int=next(self._counter))


def make_todo(**overrides: Any) -> Todo:
    owner = overrides.pop("owner_id", ALICE)
    todo_id = overrides.pop("id", None) or uuid.uuid4()
    now = overrides.pop("now", T0)
    todo = Todo.create(todo_id, owner, NewTodo(title=overrides.pop("title", "Buy milk")), now)
    return replace(todo, **overrides) if overrides else todo


def todo_service(
    unit_of_work: UnitOfWorkFactory,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    rate_limits: RateLimits | None = None,
    **settings_given: Any,
) -> TodoService:
    """The facade the composition root builds, over the given ports (the in-memory or a SQL
    unit of work, a fixed clock) and settings: the use cases exactly as an in-process
    caller gets them."""
    from dependency_injector import providers

    from todo_service.entrypoints.container import Container
    from todo_service.entrypoints.settings import ServiceSettings

    settings = ServiceSettings(
        database_url="memory://", cursor_secret=CURSOR_SECRET.decode(), **settings_given
    )
    container = Container(settings=settings)
    container.unit_of_work.override(providers.Object(unit_of_work))
    if clock is not None:
        container.clock.override(providers.Object(clock))
    if ids is not None:
        container.ids.override(providers.Object(ids))
    if rate_limits is not None:
        container.rate_limits.override(providers.Object(rate_limits))
    service: TodoService = container.service()
    return service
