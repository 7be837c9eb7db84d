"""The hot queries, exactly as the SQL adapter sends them, use an index on a big table.

Plans, not timings: PostgreSQL's EXPLAIN of every statement a request runs, on a
table of 60,000 todos over 101 users with fresh statistics; a title search goes
through the trigram index of the folded title.
"""

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.conftest import (
    create_database,
    drop_database,
    postgres_conninfo,
    postgres_sqlalchemy_url,
)
from tests.performance import seed
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.application.listing import (
    Position,
    Sort,
    SortDirection,
    SortField,
    TodoFilters,
    TodoQuery,
)
from todo_service.domain import TodoId, UserId

pytestmark = pytest.mark.postgres

OWNER = UserId(seed.MAIN_USER)
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


@pytest.fixture(scope="module")
def big_database(postgres_admin: str) -> Iterator[str]:
    name = create_database(postgres_admin, "todo_plans")
    try:
        migrate_to_head(postgres_sqlalchemy_url(name))
        with psycopg.connect(postgres_conninfo(name), autocommit=True) as conn:
            seed.seed_users(conn)
            seed.seed_main_user(conn, 10_000)
            seed.seed_other_users(conn, 10_001, 60_000)
            seed.analyze(conn)
        yield name
    finally:
        drop_database(postgres_admin, name)


@pytest.fixture(scope="module")
def engine(big_database: str) -> Iterator[sa.Engine]:
    engine = build_engine(postgres_sqlalchemy_url(big_database))
    yield engine
    engine.dispose()


def plans_of(engine: sa.Engine, work: Callable[[SqlUnitOfWork], object]) -> list[str]:
    """The EXPLAIN of every statement `work` sends, with the parameters it sent."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement not in TRANSACTION_CONTROL:  # the unit of work's own BEGIN: no plan
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with SqlUnitOfWork(engine) as uow:
            work(uow)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    plans = []
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for statement, parameters in sent:
            cursor = raw.cursor()
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        connection.rollback()
    assert plans, "the work sent no statement"
    return plans


def _first_todo_id(engine: sa.Engine) -> TodoId:
    with SqlUnitOfWork(engine) as uow:
        return uow.todos.find(OWNER, TodoQuery(limit=1))[0].id


BY_ORDER = Sort(SortField.ORDER, SortDirection.ASC)


CASES: dict[str, Callable[[TodoId], Callable[[SqlUnitOfWork], object]]] = {
    "first page": lambda _: lambda uow: uow.todos.find(OWNER, TodoQuery()),
    "filtered page": lambda _: (
        lambda uow: uow.todos.find(
            OWNER, TodoQuery(TodoFilters(completed=False, title_contains="milk"))
        )
    ),
    "first page with its total": lambda _: (
        lambda uow: uow.todos.find_with_total(OWNER, TodoQuery())
    ),
    "filtered page with its total": lambda _: (
        lambda uow: uow.todos.find_with_total(
            OWNER, TodoQuery(TodoFilters(completed=False, title_contains="milk"))
        )
    ),
    "count": lambda _: lambda uow: uow.todos.count(OWNER, TodoFilters()),
    "filtered count": lambda _: (
        lambda uow: uow.todos.count(OWNER, TodoFilters(completed=False, title_contains="milk"))
    ),
    "page in manual order": lambda _: lambda uow: uow.todos.find(OWNER, TodoQuery(sort=BY_ORDER)),
    "the completed todos of a bulk action, locked": lambda _: (
        lambda uow: uow.todos.matching(OWNER, TodoFilters(completed=True), for_update=True)
    ),
    "get by id": lambda todo_id: lambda uow: uow.todos.get(OWNER, todo_id),
    "get for update": lambda todo_id: lambda uow: uow.todos.get(OWNER, todo_id, for_update=True),
}


# A search for text no title holds: without an index on the folded title, PostgreSQL reads
# every one of the user's todos to find none (issue 14's flood).
RARE = TodoFilters(title_contains="zzzzqq")
SEARCHES: dict[str, Callable[[SqlUnitOfWork], object]] = {
    "search page": lambda uow: uow.todos.find(OWNER, TodoQuery(RARE, limit=100)),
    "search page with its total": lambda uow: uow.todos.find_with_total(
        OWNER, TodoQuery(RARE, limit=100)
    ),
    "search count": lambda uow: uow.todos.count(OWNER, RARE),
}


@pytest.mark.parametrize("case", SEARCHES)
def test_a_title_search_finds_its_todos_through_the_trigram_index(
    engine: sa.Engine, case: str
) -> None:
    for plan in plans_of(engine, SEARCHES[case]):
        assert "ix_todos_title_folded_trgm" in plan, plan
        assert "Seq Scan" not in plan, plan


@pytest.mark.parametrize("case", CASES)
def test_every_hot_query_reads_the_todos_through_an_index(engine: sa.Engine, case: str) -> None:
    for plan in plans_of(engine, CASES[case](_first_todo_id(engine))):
        assert "Index" in plan, plan
        assert "Seq Scan" not in plan, plan


def test_a_page_deep_behind_a_cursor_seeks_by_index_instead_of_skipping_rows(
    engine: sa.Engine,
) -> None:
    with SqlUnitOfWork(engine) as uow:
        deep = uow.todos.find(OWNER, TodoQuery(limit=100, offset=9_900))[-1]
    after = Position(deep.created_at, deep.id)

    [plan] = plans_of(engine, lambda uow: uow.todos.find(OWNER, TodoQuery(after=after)))

    assert "Index" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize("direction", list(SortDirection))
def test_the_manual_order_is_read_from_its_index_at_any_depth_without_sorting(
    engine: sa.Engine, direction: SortDirection
) -> None:
    """As a list in manual order pages, and as a move walks outward from its gap."""
    sort = Sort(SortField.ORDER, direction)
    with SqlUnitOfWork(engine) as uow:
        deep = uow.todos.find(OWNER, TodoQuery(sort=sort, limit=100, offset=4_900))[-1]

    for after in (None, Position.of(deep, SortField.ORDER)):
        query = TodoQuery(sort=sort, after=after)

        def page(uow: SqlUnitOfWork, query: TodoQuery = query) -> object:
            return uow.todos.find(OWNER, query)

        [plan] = plans_of(engine, page)
        assert "ix_todos_user_id_order_id" in plan, plan
        assert "Sort" not in plan, plan
