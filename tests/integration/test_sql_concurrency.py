"""PostgreSQL's own side of a race: a writer that waits on another's uncommitted insert.

(Concurrent writers through the use cases run on every adapter in
tests/contract/test_concurrent_writes.py.)"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.factories import T0
from tests.sql_fixtures import truncate
from todo_service.adapters.sql import SqlUnitOfWork
from todo_service.domain import User, UserId


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
