"""Readiness proves a write: a database that answers reads but refuses writes is not ready."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.refused_writes import WriteSwitch, read_only_postgres, unwritable_sqlite_file
from todo_service.adapters.sql import SqlEngineOptions, build_engine, probe
from todo_service.adapters.sql.tables import readiness_probe_table

PASSWORD = "s3cret-never-said"  # the local server trusts loopback: carried, never checked


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def switch(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[WriteSwitch]:
    if request.param == "sqlite":
        with unwritable_sqlite_file(sqlite_template, tmp_path) as sqlite:
            yield sqlite
    else:
        with read_only_postgres(request.getfixturevalue("postgres_admin")) as postgres:
            postgres.url = postgres.url.replace("://postgres@", f"://postgres:{PASSWORD}@", 1)
            yield postgres


@pytest.fixture
def engine(switch: WriteSwitch) -> Iterator[sa.Engine]:
    sut = build_engine(switch.url)
    yield sut
    sut.dispose()


REFUSED_IN_THE_DRIVERS_WORDS = {
    "postgresql": "cannot execute INSERT in a read-only transaction",
    "sqlite": "attempt to write a readonly database",
}


def test_a_database_that_answers_but_refuses_writes_is_read_only_in_the_drivers_words(
    switch: WriteSwitch, engine: sa.Engine
) -> None:
    assert probe(engine, switch.url) is None
    switch.refuse_writes()
    engine.dispose()  # the switch holds for new connections

    problem = probe(engine, switch.url)

    with engine.connect() as connection:  # it does answer reads
        assert connection.exec_driver_sql("SELECT count(*) FROM todos").scalar_one() == 0
    assert problem is not None
    assert (problem.state, problem.misconfigured) == ("read_only", False)
    assert problem.reason == REFUSED_IN_THE_DRIVERS_WORDS[engine.dialect.name]
    assert PASSWORD not in problem.reason


def test_a_database_that_takes_writes_again_is_ready_again(
    switch: WriteSwitch, engine: sa.Engine
) -> None:
    switch.refuse_writes()
    engine.dispose()
    assert probe(engine, switch.url) is not None

    switch.allow_writes()
    engine.dispose()
    assert probe(engine, switch.url) is None


def _probe_rows(engine: sa.Engine) -> list[tuple[int, datetime]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(readiness_probe_table))
        return [(row.id, row.checked_at) for row in rows]


def test_the_probe_rewrites_one_row_however_often_it_runs_and_recreates_it_when_emptied(
    switch: WriteSwitch, engine: sa.Engine
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM readiness_probe")

    for _ in range(3):
        assert probe(engine, switch.url) is None
    [(row_id, first)] = _probe_rows(engine)
    assert probe(engine, switch.url) is None

    [(same_id, then)] = _probe_rows(engine)
    assert row_id == same_id == 1
    assert then > first


@pytest.mark.postgres
def test_the_probe_writes_through_pgbouncer_in_transaction_mode(
    pgbouncer_engine: sa.Engine,
) -> None:
    url = pgbouncer_engine.url.render_as_string(hide_password=False)
    for _ in range(3):
        assert probe(pgbouncer_engine, url) is None


@pytest.mark.postgres
def test_the_probe_is_one_statement_in_autocommit_on_postgres(postgres_url: str) -> None:
    engine = build_engine(postgres_url, SqlEngineOptions(ping_idle_seconds=3600))
    sent: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    try:
        assert probe(engine, postgres_url) is None
        with engine.connect() as connection:
            autocommit = connection.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
    finally:
        engine.dispose()
    # One statement, committed by the server on its own: one round trip, no session state.
    assert len(sent) == 1
    assert sent[0].startswith("INSERT INTO readiness_probe")
    assert autocommit is True
