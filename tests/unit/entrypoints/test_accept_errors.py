import asyncio
import errno
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from todo_service.entrypoints.http.edge.accept_errors import (
    OUT_OF_DESCRIPTORS,
    summarize_accept_errors,
)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def out_of_descriptors() -> dict[str, Any]:
    emfile = OSError(errno.EMFILE, "Too many open files")
    return {"message": OUT_OF_DESCRIPTORS, "exception": emfile}


def test_a_flood_of_failed_accepts_becomes_one_line(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    summarize_accept_errors(loop)
    with caplog.at_level(logging.ERROR):
        for _ in range(20_000):
            loop.call_exception_handler(out_of_descriptors())
    assert [record.getMessage() for record in caplog.records] == [
        "1 connection(s) could not be accepted: the process is out of descriptors (ulimit -n)"
    ]


def test_other_reports_still_reach_the_handler_that_was_there(
    loop: asyncio.AbstractEventLoop,
) -> None:
    seen: list[str] = []
    loop.set_exception_handler(lambda _, context: seen.append(context["message"]))
    summarize_accept_errors(loop)
    loop.call_exception_handler({"message": "Task exception was never retrieved"})
    loop.call_exception_handler(out_of_descriptors())
    assert seen == ["Task exception was never retrieved"]
