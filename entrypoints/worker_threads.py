import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# As many as AnyIO's default limiter gives FastAPI's own threadpool. A plain executor
# hands work over for a third of the CPU of AnyIO's `to_thread` (docs/performance.md).
WORKER_THREADS = 40
_worker_threads = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="worker")


async def in_worker_thread(function: Callable[[], T]) -> T:
    """`function()` in a worker thread, for work that blocks (a database, a key fetch).

    The event loop serves other requests meanwhile.
    """
    return await asyncio.get_running_loop().run_in_executor(_worker_threads, function)
