import pytest

from tests.factories import FixedClock, SequentialIds, todo_service
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
    return todo_service(lambda: InMemoryUnitOfWork(store), clock, SequentialIds())
