"""Orders and instants that differ between databases unless the adapter pins them down."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from tests.conftest import drop_database, postgres_sqlalchemy_url
from tests.contract.helpers import found, read, stored
from tests.factories import ALICE, make_todo
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.application.listing import Sort, SortDirection, SortField, TodoQuery
from todo_service.domain import Todo

TITLES = ["b", "B", "a", "A", "Ä", "ä", "z", "Z", "é", "e", "_", "~", "ß", "ss"]
INSTANTS = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.fixture
def linguistic_postgres(postgres_admin: str) -> Iterator[sa.Engine]:
    """A database whose default collation sorts like a dictionary (ICU en-US), as many do."""
    name = f"todo_icu_{uuid.uuid4().hex[:8]}"
    create = sql.SQL(
        "CREATE DATABASE {} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' "
        "TEMPLATE template0"
    )
    with psycopg.connect(postgres_admin, autocommit=True) as admin:
        admin.execute(create.format(sql.Identifier(name)))
    url = postgres_sqlalchemy_url(name)
    migrate_to_head(url)
    engine = build_engine(url)
    yield engine
    engine.dispose()
    drop_database(postgres_admin, name)


@pytest.mark.postgres
@pytest.mark.parametrize("direction", list(SortDirection))
def test_titles_sort_by_code_point_even_where_the_database_sorts_like_a_dictionary(
    linguistic_postgres: sa.Engine, direction: SortDirection
) -> None:
    todos = stored(lambda: SqlUnitOfWork(linguistic_postgres), *map(_titled, TITLES))
    query = TodoQuery(sort=Sort(SortField.TITLE, direction), limit=100)

    titles = [t.title for t in found(lambda: SqlUnitOfWork(linguistic_postgres), ALICE, query)]

    expected = sorted((t.title for t in todos), reverse=direction is SortDirection.DESC)
    assert titles == expected


def _titled(title: str) -> Todo:
    return make_todo(title=title)


@pytest.fixture(
    params=[pytest.param("postgres_engine", marks=pytest.mark.postgres), "sqlite_engine"]
)
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    engine: sa.Engine = request.getfixturevalue(request.param)
    return engine


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_instants_from_year_1_to_9999_come_back_equal_and_in_utc(
    engine: sa.Engine, instant: datetime
) -> None:
    (todo,) = stored(lambda: SqlUnitOfWork(engine), make_todo(id=uuid.uuid4(), now=instant))
    read_back = read(lambda: SqlUnitOfWork(engine), ALICE, todo.id)
    assert read_back is not None
    assert read_back.created_at == instant
    assert read_back.created_at.tzinfo == UTC


def test_instants_sort_chronologically_across_centuries_and_offsets(engine: sa.Engine) -> None:
    todos = [make_todo(id=uuid.uuid4(), now=instant) for instant in reversed(INSTANTS)]
    stored(lambda: SqlUnitOfWork(engine), *todos)
    query = TodoQuery(sort=Sort(SortField.CREATED_AT, SortDirection.ASC), limit=100)
    created = [t.created_at for t in found(lambda: SqlUnitOfWork(engine), ALICE, query)]
    assert created == sorted(created)
    assert set(created) >= set(INSTANTS)
