"""The database functions behind PostgreSQL's one-statement writes (migration 0010), as
they meet a schema other than their own: one behind the release, and one ahead of it."""

import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import ALICE, T0
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.adapters.sql.writes import PostgresTodoWrites
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.ports import TOGGLE
from todo_service.domain import Edge, NewTodo, Quota, Todo, TodoChanges, User

pytestmark = pytest.mark.postgres

_FUNCTIONS = (
    "todo_add_v1(jsonb, boolean, bigint, bigint, jsonb, bigint, bigint, jsonb, timestamptz)",
    "todo_change_v1(text, uuid, jsonb, boolean, bigint, timestamptz, bigint)",
    "todo_remove_v1(text, uuid, bigint, timestamptz)",
    "todo_move_v1(text, uuid, text, uuid, bigint, timestamptz, bigint, bigint)",
)


@pytest.fixture
def engine(empty_postgres_url: str) -> Iterator[sa.Engine]:
    migrate_to_head(empty_postgres_url)
    engine = build_engine(empty_postgres_url)
    yield engine
    engine.dispose()


def _every_write(engine: sa.Engine) -> Todo:
    """A create with a key, a patch, a toggle and a move, then what is stored."""
    new = NewTodo("Buy milk")
    todo = Todo.create(uuid.uuid4(), ALICE, new, T0)
    claim = IdempotencyRecord.for_request(
        ALICE, f"key-{todo.id}", new, todo.id, T0 + timedelta(days=1)
    )
    with SqlUnitOfWork(engine) as uow:
        added = uow.writes.add(
            todo,
            owner=User(ALICE, email=None, name=None, created_at=T0),
            quota=Quota(),
            at_end=True,
            claim=claim,
            now=T0,
        )
    assert isinstance(added, Todo)
    assert added.id == todo.id
    with SqlUnitOfWork(engine) as uow:
        uow.writes.change(ALICE, todo.id, TodoChanges(title="Buy oat milk"), now=T0, quota=Quota())
    with SqlUnitOfWork(engine) as uow:
        uow.writes.change(ALICE, todo.id, TOGGLE, now=T0, quota=Quota())
    with SqlUnitOfWork(engine) as uow:
        uow.writes.move(ALICE, todo.id, Edge.START, now=T0)
    with SqlUnitOfWork(engine) as uow:
        stored = uow.todos.get(ALICE, todo.id)
    assert stored is not None
    return stored


def test_writes_go_on_in_steps_where_the_database_lacks_the_functions(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A release started before `todo migrate` ran still writes, and says why it is slow."""
    with engine.begin() as connection:
        for function in _FUNCTIONS:
            connection.exec_driver_sql(f"DROP FUNCTION {function}")
    PostgresTodoWrites._reported_missing = False
    with caplog.at_level(logging.WARNING, "todo.database"):
        stored = _every_write(engine)
        second = _every_write(engine)
    assert (stored.title, stored.completed, stored.version) == ("Buy oat milk", True, 3)
    assert (stored.order, second.order, second.version) == (0, -(2**16), 4)  # moved first
    warnings = [r.getMessage() for r in caplog.records if r.name == "todo.database"]
    assert len(warnings) == 1
    assert "todo migrate" in warnings[0]


def test_a_column_a_later_revision_adds_takes_its_default_from_these_functions(
    engine: sa.Engine,
) -> None:
    """During a rolling deploy the previous release calls these functions against the
    next schema: a column added with a default must get it, not NULL."""
    with engine.begin() as connection:
        for table in ("users", "todos", "idempotency_keys"):
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ADD COLUMN later text NOT NULL DEFAULT 'default'"
            )
    stored = _every_write(engine)
    assert (stored.title, stored.completed, stored.version) == ("Buy oat milk", True, 3)
    with engine.connect() as connection:
        later = connection.exec_driver_sql("SELECT later FROM todos").scalars().all()
    assert later == ["default"]
