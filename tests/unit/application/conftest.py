import pytest

from tests.factories import CURSOR_SECRET, FixedClock, SequentialIds
from todo_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from todo_service.application import TodoService


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def service(store: InMemoryStore, clock: FixedClock) -> TodoService:
    return TodoService.build(
        unit_of_work=lambda: InMemoryUnitOfWork(store),
        clock=clock,
        ids=SequentialIds(),
        cursor_secret=CURSOR_SECRET,
    )
