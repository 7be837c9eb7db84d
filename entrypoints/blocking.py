import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

T = TypeVar("T")


def off_the_event_loop(call: Callable[[], T]) -> T:
    """`call()`, which blocks on the network, without holding an event loop meanwhile.

    On PostgreSQL `todo serve` runs each use case in a greenlet on its event loop
    (ADR 0013): a blocking call there stops every other request until it returns, as a
    stalled Redis did for its whole timeout. From such a greenlet the call goes to a
    worker thread, and the loop serves others while it waits; anywhere else (a worker
    thread, a plain caller) it runs as it is.
    """
    if in_greenlet():
        return await_only(asyncio.to_thread(call))
    return call()
