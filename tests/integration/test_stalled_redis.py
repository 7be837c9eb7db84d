"""A Redis that stalls holds the rate limit's call up to its timeout, never the event loop.

`todo serve` on PostgreSQL runs each use case in a greenlet on its event loop; a blocking
call there stopped every other request: with a 2 s timeout, a stalled Redis froze other
users' requests for 2 s each time it was asked.
"""

import asyncio
import socket
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.util import greenlet_spawn

from todo_service.adapters.memory import InProcessRateLimiter
from todo_service.adapters.redis import RedisRateLimiter, redis_client
from todo_service.application import RatePolicy
from todo_service.entrypoints.blocking import off_the_event_loop

TIMEOUT_SECONDS = 0.4
POLICY = RatePolicy("writes", 600, 100)


@pytest.fixture
def stalled_redis() -> Iterator[str]:
    """A port that takes connections (the kernel's backlog) and never answers a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def _ticks_while(call: Callable[[], object]) -> tuple[int, object]:
    """How often the event loop got to run another task while `call` ran in a greenlet."""

    async def measure() -> tuple[int, object]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0)
        result = await greenlet_spawn(call)
        ticker.cancel()
        return ticks, result

    return asyncio.run(measure())


def test_a_blocking_call_from_the_loops_greenlet_leaves_the_loop_running() -> None:
    held, _ = _ticks_while(lambda: time.sleep(0.3))
    freed, _ = _ticks_while(lambda: off_the_event_loop(lambda: time.sleep(0.3)))
    assert held <= 2  # the loop stood still: what a stalled Redis did to every request
    assert freed >= 10


def test_a_stalled_redis_answers_from_the_fallback_with_the_loop_running(
    stalled_redis: str,
) -> None:
    sut = RedisRateLimiter(
        redis_client(stalled_redis, TIMEOUT_SECONDS),
        "stall-test",
        fallback=InProcessRateLimiter(),
        blocking=off_the_event_loop,
    )
    started = time.monotonic()
    ticks, wait = _ticks_while(lambda: sut.admit(POLICY, "alice"))
    took = time.monotonic() - started
    print(f"stalled Redis: admitted after {took:.2f} s, the loop ran {ticks} times meanwhile")
    assert wait == 0  # admitted by this process' own counts
    assert ticks >= (TIMEOUT_SECONDS / 0.01) / 2
