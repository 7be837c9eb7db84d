import asyncio
import logging

import pytest

from todo_service.adapters.sql import DatabaseProblem
from todo_service.entrypoints.database_watch import DatabaseWatch
from todo_service.entrypoints.storage import MemoryStorage

REFUSED = DatabaseProblem("Connection refused", misconfigured=False)
NO_DATABASE = DatabaseProblem('FATAL: database "x" does not exist', misconfigured=True)
READ_ONLY = DatabaseProblem(
    "cannot execute INSERT in a read-only transaction", misconfigured=False, read_only=True
)


class ScriptedStorage(MemoryStorage):
    """Answers each probe with the next problem of a script (None: the database answers)."""

    def __init__(self, *answers: DatabaseProblem | None) -> None:
        super().__init__()
        self.answers = list(answers)
        self.probes = 0

    @property
    def name(self) -> str:
        return "postgresql+psycopg://app:***@db.example/todo"

    def problem(self) -> DatabaseProblem | None:
        self.probes += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str | None]]:
    return [
        (record.getMessage(), getattr(record, "reason", None))
        for record in caplog.records
        if record.name == "todo.database"
    ]


def test_only_changes_are_logged_with_the_masked_url_and_the_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage = ScriptedStorage(None, REFUSED, REFUSED, REFUSED, NO_DATABASE, None, None)
    watch = DatabaseWatch(storage)

    async def probe_seven_times() -> None:
        for _ in range(7):
            await watch.check()

    with caplog.at_level(logging.WARNING, "todo.database"):
        asyncio.run(probe_seven_times())

    assert _lines(caplog) == [
        (
            "The database cannot be reached; the API answers 503 until it can be used",
            REFUSED.reason,
        ),
        (
            "The database is misconfigured; the API answers 503 until it can be used",
            NO_DATABASE.reason,
        ),
        ("The database answers again", None),
    ]
    assert {record.database for record in caplog.records} == {storage.name}  # type: ignore[attr-defined]


def test_a_database_that_refuses_writes_is_logged_once_as_such(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = DatabaseWatch(ScriptedStorage(None, READ_ONLY, READ_ONLY, READ_ONLY, None))

    async def probe_five_times() -> None:
        for _ in range(5):
            await watch.check()

    with caplog.at_level(logging.WARNING, "todo.database"):
        asyncio.run(probe_five_times())

    assert _lines(caplog) == [
        (
            "The database refuses writes; readiness answers 503 until it takes them",
            READ_ONLY.reason,
        ),
        ("The database answers again", None),
    ]


def test_an_outage_noticed_by_many_requests_is_probed_and_logged_once_then_followed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage = ScriptedStorage(None, REFUSED, REFUSED, REFUSED, None)
    watch = DatabaseWatch(storage, interval_seconds=0.01)

    async def serve_through_an_outage() -> None:
        watch.start()  # start-up: the database answers
        await asyncio.sleep(0.05)
        for _ in range(500):  # every failing request tells the watch
            watch.noticed_failure()
        await asyncio.sleep(0.2)
        await watch.stop()

    with caplog.at_level(logging.WARNING, "todo.database"):
        asyncio.run(serve_through_an_outage())

    assert [message for message, _ in _lines(caplog)] == [
        "The database cannot be reached; the API answers 503 until it can be used",
        "The database answers again",
    ]
    # Start-up, the outage's three failed probes and the one that found it back: not 500.
    assert storage.probes == 5


def test_nothing_probes_while_the_database_answers() -> None:
    storage = ScriptedStorage(None)
    watch = DatabaseWatch(storage, interval_seconds=0.01)

    async def serve_quietly() -> None:
        watch.start()
        await asyncio.sleep(0.1)
        await watch.stop()

    asyncio.run(serve_quietly())
    assert storage.probes == 1
