"""Real threads, separate connections, the real use cases over the SQL unit of work."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.factories import ALICE, T0, todo_service
from tests.sql_fixtures import truncate
from todo_service.adapters.sql import SqlUnitOfWork
from todo_service.application import TodoService
from todo_service.domain import NewTodo, TodoChanges, User, UserId

TOGGLES = 40
THREADS = 8
ENGINES = [
    pytest.param("postgres_engine", marks=pytest.mark.postgres),
    pytest.param("pgbouncer_engine", marks=pytest.mark.postgres),
    "sqlite_engine",
]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    engine: sa.Engine = request.getfixturevalue(request.param)
    if request.param != "sqlite_engine":
        truncate(request.getfixturevalue("postgres_engine"))
    return engine


def _service(engine: sa.Engine) -> TodoService:
    return todo_service(lambda: SqlUnitOfWork(engine))


def test_forty_concurrent_toggles_of_one_todo_give_exactly_forty_flips(engine: sa.Engine) -> None:
    sut = _service(engine)
    todo = sut.create_todo(ALICE, NewTodo(title="flip me"))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(lambda _: sut.toggle_todo(ALICE, todo.id), range(TOGGLES)))

    final = sut.get_todo(ALICE, todo.id)
    assert final.version == 1 + TOGGLES
    assert final.completed is (TOGGLES % 2 == 1)
    assert sorted(r.version for r in results) == list(range(2, TOGGLES + 2))
    assert [r.completed for r in sorted(results, key=lambda r: r.version)] == [
        n % 2 == 0 for n in range(TOGGLES)
    ]


def test_concurrent_updates_of_different_fields_all_land(engine: sa.Engine) -> None:
    sut = _service(engine)
    todo = sut.create_todo(ALICE, NewTodo(title="a"))
    changes = [TodoChanges(title="b"), TodoChanges(description="d"), TodoChanges(completed=True)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda c: sut.update_todo(ALICE, todo.id, c), changes))

    final = sut.get_todo(ALICE, todo.id)
    assert (final.title, final.description, final.completed, final.version) == ("b", "d", True, 4)


def test_a_user_first_seen_by_many_requests_at_once_is_recorded_once(engine: sa.Engine) -> None:
    newcomer = UserId("newcomer")

    def first_sight(n: int) -> User:
        with SqlUnitOfWork(engine) as uow:
            user = uow.users.add_if_absent(
                User(newcomer, email=f"{n}@x.test", name=None, created_at=T0)
            )
            uow.commit()
            return user

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        users = list(pool.map(first_sight, range(16)))

    assert len(set(users)) == 1


def _waiting_on_a_lock(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        waiting = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(waiting.scalar_one())


@pytest.mark.postgres
def test_a_user_whose_insert_commits_while_another_waits_on_it_is_returned_to_both(
    postgres_engine: sa.Engine,
) -> None:
    truncate(postgres_engine)
    newcomer = UserId("raced")
    first = User(newcomer, email="first@x.test", name=None, created_at=T0)
    with SqlUnitOfWork(postgres_engine) as holder:
        holder.users.add_if_absent(first)
        with ThreadPoolExecutor(max_workers=1) as pool:

            def second_sight() -> User:
                with SqlUnitOfWork(postgres_engine) as uow:
                    user = uow.users.add_if_absent(
                        User(newcomer, email="second@x.test", name=None, created_at=T0)
                    )
                    uow.commit()
                    return user

            waiter = pool.submit(second_sight)
            deadline = time.monotonic() + 10
            while not _waiting_on_a_lock(postgres_engine) and time.monotonic() < deadline:
                time.sleep(0.02)
            holder.commit()
            assert waiter.result(timeout=10) == first
