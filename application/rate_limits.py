import math
from enum import Enum

from todo_service.application.errors import ApplicationError
from todo_service.application.ports import RateLimiter
from todo_service.application.rate_policy import RatePolicy
from todo_service.domain import UserId


class Access(Enum):
    """What a use case does to the store, for the rate limits: each kind has its own."""

    READ = "reads"
    WRITE = "writes"


class RateLimitExceededError(ApplicationError):
    """The actor used up their allowance under `policy`; nothing was done.

    `retry_after_seconds` (whole seconds, at least 1) is when one more request would
    be admitted. The message names only the policy's own numbers.
    """

    def __init__(self, policy: RatePolicy, wait_seconds: float) -> None:
        self.policy = policy
        self.retry_after_seconds = max(1, math.ceil(wait_seconds))
        super().__init__(
            f"Too many {policy.name}: at most {policy.per_minute} a minute, {policy.burst} "
            f"at once; retry after {self.retry_after_seconds} s"
        )


class RateLimits:
    """Each user's allowance of reads and of writes, counted by a RateLimiter.

    Every todo use case calls `admit` first, naming what it does; over the allowance it
    raises RateLimitExceededError before touching the store. Without a limiter
    (`RateLimits.off()`) every call is admitted at no cost.
    """

    def __init__(self, limiter: RateLimiter | None, reads: RatePolicy, writes: RatePolicy) -> None:
        self._limiter = limiter
        self.reads = reads
        self.writes = writes

    @classmethod
    def off(cls) -> "RateLimits":
        return cls(None, RatePolicy("reads", 1, 1), RatePolicy("writes", 1, 1))

    def admit(self, actor: UserId, access: Access) -> None:
        if self._limiter is None:
            return
        policy = self.reads if access is Access.READ else self.writes
        wait = self._limiter.admit(policy, actor.value)
        if wait > 0:
            raise RateLimitExceededError(policy, wait)


NO_RATE_LIMITS = RateLimits.off()
