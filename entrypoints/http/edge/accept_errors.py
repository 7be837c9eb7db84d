import asyncio
import logging
from typing import Any

from todo_service.entrypoints.http.edge.connection_guard import SUMMARY_INTERVAL_SECONDS, log
from todo_service.entrypoints.summarized_log import SummarizedLog

OUT_OF_DESCRIPTORS = "socket.accept() out of system resource"

_out_of_descriptors = SummarizedLog(
    log,
    logging.ERROR,
    "%d connection(s) could not be accepted: the process is out of descriptors (ulimit -n)",
    SUMMARY_INTERVAL_SECONDS,
)


def summarize_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Make asyncio's "out of system resource" on accept a summarized line.

    asyncio's own loop reports each failed accept when descriptors run out: measured
    at a limit of 300, 272,000 lines (87 MB) in 12 s. `todo serve` runs uvloop, whose
    libuv drops such connections without a word, and keeps its connections below the
    limit (docs/adr/0022); this covers the app served on asyncio's loop. Every other
    report goes where it went before.
    """
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == OUT_OF_DESCRIPTORS:
            _out_of_descriptors.occurred()
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)
