"""A search past DATABASE_SEARCH_TIMEOUT_MS is stopped, and its connection serves the next.

The listing is held up for certain, not made slow: another connection holds an
exclusive lock on the todos table, and PostgreSQL counts the wait for it against the
statement's timeout.
"""

import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.conftest import POSTGRES_USER
from tests.contract.helpers import stored
from tests.factories import ALICE, make_todo
from tests.sql_fixtures import todos_locked, truncate
from tests.support.pgbouncer import PgBouncer
from todo_service.adapters.sql import SqlEngineOptions, SqlUnitOfWork, build_engine
from todo_service.application import StatementTimeoutError, TodoFilters, TodoQuery

pytestmark = pytest.mark.postgres

TIMEOUT_MS = 100
ONE_CONNECTION = SqlEngineOptions(pool_size=1, max_overflow=0)
SEARCH = TodoFilters(title_contains="milk")


@pytest.fixture(params=["direct", "pgbouncer"])
def engine(
    request: pytest.FixtureRequest, postgres_url: str, postgres_database: str
) -> Iterator[sa.Engine]:
    if request.param == "direct":
        sut = build_engine(postgres_url, ONE_CONNECTION)
    else:
        bouncer: PgBouncer = request.getfixturevalue("pgbouncer")
        url = bouncer.sqlalchemy_url(POSTGRES_USER, postgres_database)
        sut = build_engine(
            url, SqlEngineOptions(pool_size=1, max_overflow=0, prepare_threshold=None)
        )
    yield sut
    sut.dispose()


def _unit_of_work(engine: sa.Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, search_timeout_ms=TIMEOUT_MS)


def test_a_search_past_the_timeout_is_stopped_and_its_connection_serves_the_next(
    engine: sa.Engine, postgres_engine: sa.Engine
) -> None:
    truncate(postgres_engine)
    (todo,) = stored(lambda: _unit_of_work(engine), make_todo())
    connections: list[object] = []
    event.listen(engine, "connect", lambda dbapi, _record: connections.append(dbapi))

    listings: list[Callable[[SqlUnitOfWork], object]] = [
        lambda uow: uow.todos.find_with_total(ALICE, TodoQuery(filters=SEARCH)),
        lambda uow: uow.todos.find(ALICE, TodoQuery(filters=SEARCH)),
        lambda uow: uow.todos.count(ALICE, SEARCH),
    ]
    for listing in listings:
        with (
            todos_locked(postgres_engine),
            _unit_of_work(engine) as uow,
            pytest.raises(StatementTimeoutError, match="narrow it"),
        ):
            listing(uow)

    with _unit_of_work(engine) as uow:
        assert uow.todos.find_with_total(ALICE, TodoQuery()) == ([todo], 1)
    with engine.connect() as connection:
        # SET LOCAL ended with its transaction: nothing else on the connection is bounded.
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
    assert connections == [], "the pool replaced its connection"


def test_a_listing_that_does_not_search_is_not_bounded(
    engine: sa.Engine, postgres_engine: sa.Engine
) -> None:
    """Only a search is stopped: a listing without one waits out a lock held for many
    times the search timeout, and is answered once it is released."""
    truncate(postgres_engine)
    (todo,) = stored(lambda: _unit_of_work(engine), make_todo())
    answers: list[object] = []

    def list_all() -> None:
        with _unit_of_work(engine) as uow:
            answers.append(uow.todos.find_with_total(ALICE, TodoQuery()))

    with todos_locked(postgres_engine):
        lister = threading.Thread(target=list_all)
        lister.start()
        lister.join(timeout=TIMEOUT_MS * 5 / 1000)
        assert lister.is_alive(), "the listing was stopped, or did not wait for the lock"
    lister.join(timeout=10)
    assert answers == [([todo], 1)]
