import time
from collections.abc import Callable
from threading import Lock

from todo_service.application.ports import RateLimiter
from todo_service.application.rate_policy import RatePolicy

# Subjects remembered at once; past it, those with a full allowance again are forgotten
# (forgetting them changes nothing), then everyone if that is not enough.
MAX_SUBJECTS = 100_000


class InProcessRateLimiter(RateLimiter):
    """GCRA over a dict in this process: one worker's counts, shared by its threads.

    Each (policy, subject) keeps one number, its theoretical arrival time (TAT): when
    its allowance would be full again. A request fits while the TAT after it stays
    within `burst` intervals of now. A request costs a dict lookup and some arithmetic.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._arrivals: dict[tuple[str, str], float] = {}
        self._lock = Lock()

    def admit(self, policy: RatePolicy, subject: str) -> float:
        key = (policy.name, subject)
        interval = policy.interval
        with self._lock:
            now = self._now()
            arrival = max(self._arrivals.get(key, now), now) + interval
            wait = arrival - interval * policy.burst - now
            if wait > 0:
                return wait
            if len(self._arrivals) >= MAX_SUBJECTS and key not in self._arrivals:
                self._forget_full(now)
            self._arrivals[key] = arrival
            return 0.0

    def _forget_full(self, now: float) -> None:
        full = [key for key, arrival in self._arrivals.items() if arrival <= now]
        for key in full:
            del self._arrivals[key]
        if len(self._arrivals) >= MAX_SUBJECTS:
            self._arrivals.clear()
