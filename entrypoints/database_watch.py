import asyncio
import logging
import time

from todo_service.adapters.sql import DatabaseProblem, DatabaseState
from todo_service.entrypoints.storage import Storage

log = logging.getLogger("todo.database")

PROBE_INTERVAL_SECONDS = 2.0

_CHANGED_TO: dict[DatabaseState, str] = {
    "unreachable": "The database cannot be reached; the API answers 503 until it can be used",
    "misconfigured": "The database is misconfigured; the API answers 503 until it can be used",
    # Reads still work meanwhile; a write fails as the database refuses it.
    "read_only": "The database refuses writes; readiness answers 503 until it takes them",
}


class DatabaseWatch:
    """Says in the log when the database cannot be used, and when it can again.

    A serving process checks its database at start-up, when a request first finds it
    unavailable, and at each readiness probe; while it is away, every couple of seconds
    until it answers. A line is written only when the answer changes: a warning with
    the masked URL and the driver's reason when the database stops answering (or
    refuses writes, or fails for another reason), a warning when it answers again. So
    an outage or a wrong URL is in the log once, whatever the traffic: never a line per
    request. The API answers 503 meanwhile, as before; while the database answers,
    nothing probes.
    """

    def __init__(self, storage: Storage, interval_seconds: float = PROBE_INTERVAL_SECONDS) -> None:
        self._storage = storage
        self._interval = interval_seconds
        self._problem: DatabaseProblem | None = None
        self._following: asyncio.Task[None] | None = None
        self._last_probe = float("-inf")

    async def check(self) -> DatabaseProblem | None:
        """Probe the database now, log the change if the answer changed, and return it."""
        problem = await self._storage.call(self._storage.problem)
        self._last_probe = time.monotonic()
        if problem is not None and problem != self._problem:
            log.warning(
                _CHANGED_TO[problem.state],
                extra={"database": self._storage.name, "reason": problem.reason},
            )
        elif problem is None and self._problem is not None:
            log.warning("The database answers again", extra={"database": self._storage.name})
        self._problem = problem
        return problem

    def start(self) -> None:
        """Check now, on the running loop, and follow an outage until it ends."""
        self._follow()

    def noticed_failure(self) -> None:
        """A request found the database unavailable: check, unless that was just done."""
        if time.monotonic() - self._last_probe >= self._interval:
            self._follow()

    async def stop(self) -> None:
        if self._following is not None:
            self._following.cancel()

    def _follow(self) -> None:
        if self._following is None or self._following.done():
            self._following = asyncio.get_running_loop().create_task(self._until_it_answers())

    async def _until_it_answers(self) -> None:
        while await self.check() is not None:
            await asyncio.sleep(self._interval)
