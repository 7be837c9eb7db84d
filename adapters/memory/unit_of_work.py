from types import TracebackType
from typing import Self

from todo_service.adapters.memory.repositories import (
    InMemoryIdempotencyRepository,
    InMemoryTodoRepository,
    InMemoryUserRepository,
)
from todo_service.adapters.memory.store import InMemoryStore, Journal
from todo_service.application.ports import UnitOfWork
from todo_service.application.stepwise_writes import StepwiseTodoWrites


class InMemoryUnitOfWork(UnitOfWork):
    """A transaction over an in-memory store, safe to use from many threads.

    Units of work on one store run one at a time (serialisable by construction);
    whatever is not committed is undone on exit.
    """

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._journal = Journal()
        self.todos = InMemoryTodoRepository(store, self._journal)
        self.users = InMemoryUserRepository(store, self._journal)
        self.idempotency = InMemoryIdempotencyRepository(store, self._journal)
        self.writes = StepwiseTodoWrites(self)

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._journal.undo()
        finally:
            self._store.lock.release()

    def commit(self) -> None:
        self._journal.forget()
