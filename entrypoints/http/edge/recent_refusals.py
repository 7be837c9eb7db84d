import time
from collections.abc import Callable

from todo_service.application import RateLimitExceededError
from todo_service.application.use_cases.current_user import token_digest

# What each method spends on the todo routes, as their use cases count it (Access).
_SPENDS = {"GET": "reads", "HEAD": "reads", "POST": "writes", "PATCH": "writes", "DELETE": "writes"}


class RecentRefusals:
    """The bearer tokens the rate limit refused, each until the `Retry-After` it was told.

    A refused caller who keeps sending costs the worker a full request each time
    (routing, dependency solving, the token, the limiter) for a 429 that the limiter
    would give again: a flood of refusals then queues other users' requests behind it
    on the event loop. Remembered here, the edge (`BearerGate`) answers the same 429
    for a few microseconds until that moment, without reading the request.

    It only ever refuses what the limiter itself would: the `Retry-After` a 429 gives
    is the limiter's wait rounded up, refused requests are not counted, and other
    requests only push the limiter's next admission later. Past the moment, requests
    reach the limiter again. Kept per token and per kind (`reads`, `writes`), so a
    caller out of writes still reads. At most `capacity` tokens; when full, those whose
    moment has passed are forgotten, and if none has, all are (the limiter still holds).
    """

    def __init__(
        self, *, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._capacity = capacity
        self._clock = clock
        self._until: dict[tuple[bytes, str], tuple[float, RateLimitExceededError]] = {}

    def remember(self, token: str, error: RateLimitExceededError) -> None:
        if len(self._until) >= self._capacity:
            now = self._clock()
            self._until = {key: entry for key, entry in self._until.items() if entry[0] > now}
            if len(self._until) >= self._capacity:
                self._until.clear()
        deadline = self._clock() + error.retry_after_seconds
        self._until[(token_digest(token), error.policy.name)] = (deadline, error)

    def refusal(self, token: str, method: str) -> RateLimitExceededError | None:
        """The 429 to answer now for `token` sending `method`, or None to let it through."""
        if not self._until:  # the usual case: nobody is being refused
            return None
        key = (token_digest(token), _SPENDS.get(method, ""))
        entry = self._until.get(key)
        if entry is None:
            return None
        deadline, error = entry
        remaining = deadline - self._clock()
        if remaining <= 0:
            del self._until[key]
            return None
        return RateLimitExceededError(error.policy, remaining)
