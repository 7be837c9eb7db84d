import pytest

from adapters.memory import InMemoryStore, InMemoryUnitOfWork
from application import TodoService
from tests.factories import CURSOR_SECRET, FixedClock, SequentialIds


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
