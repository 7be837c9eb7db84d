import logging
import time
from collections.abc import Callable


class SummarizedLog:
    """One log line per `interval_seconds` at most for an event that may come in floods.

    The first occurrence is written at once; later ones are counted, and the count goes
    out with the next occurrence after the interval. An attacker who triggers the event
    thousands of times a second then costs a line every interval, not a line each.
    `message` is a %-format with one `%d`: how many occurrences the line stands for.
    """

    def __init__(
        self,
        logger: logging.Logger,
        level: int,
        message: str,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._level = level
        self._message = message
        self._interval = interval_seconds
        self._clock = clock
        self._unreported = 0
        self._quiet_until = float("-inf")

    def occurred(self) -> None:
        self._unreported += 1
        now = self._clock()
        if now < self._quiet_until:
            return
        self._logger.log(self._level, self._message, self._unreported)
        self._unreported = 0
        self._quiet_until = now + self._interval
