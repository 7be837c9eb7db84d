import logging
import time
from collections.abc import Callable
from typing import cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from todo_service.application.ports import RateLimiter
from todo_service.application.rate_policy import RatePolicy

log = logging.getLogger("todo.rate_limits")

GCRA_SCRIPT = """
-- One request of KEYS[1] under a GCRA policy, atomically: Redis runs a script alone.
-- ARGV[1]: the interval between requests at the sustained rate, in microseconds;
-- ARGV[2]: the burst. Returns 0 when admitted (and counted), else the microseconds
-- until a request would be. Time is the server's own, so every worker agrees on it.
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local arrival = math.max(tonumber(redis.call('GET', KEYS[1])) or now, now) + interval
local wait = arrival - interval * burst - now
if wait > 0 then
  return wait
end
-- '%.0f': a plain integer; Lua's own number format would round it to 14 digits.
local expiry = math.ceil((arrival - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', arrival), 'PX', expiry)
return 0
"""
# After Redis failed, how long each worker counts on its own before asking Redis again:
# one slow or refused call a second at most, rather than one per request.
PAUSE_AFTER_FAILURE_SECONDS = 1.0
MICROSECONDS = 1_000_000

# How a blocking call is made: as it is, or (`todo serve` on PostgreSQL, where the use
# cases run on the event loop) in a worker thread the loop waits on without stopping.
BlockingCall = Callable[[Callable[[], object]], object]


def _as_it_is(call: Callable[[], object]) -> object:
    return call()


def redis_client(url: str, timeout_seconds: float) -> "redis.Redis":
    """A client that gives up after `timeout_seconds` and never retries by itself.

    redis-py 8 retries ten times with backoff by default: a request would wait that long
    on a Redis that is away, where the fallback answers at once.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
        client_name="todo-service-rate-limits",
    )


class RedisRateLimiter(RateLimiter):
    """GCRA in Redis: every worker and instance sharing it shares the counts.

    One Lua script per request (EVALSHA) reads and writes the subject's arrival time
    atomically, on Redis' clock. Keys are `<prefix>:<policy>:<subject>` and expire
    once the subject's allowance is full again. While Redis fails, `fallback` (this
    process' own limiter) counts instead, and Redis is asked again a second later.
    """

    def __init__(
        self,
        client: "redis.Redis",
        prefix: str,
        fallback: RateLimiter,
        now: Callable[[], float] = time.monotonic,
        blocking: BlockingCall = _as_it_is,
    ) -> None:
        self._script = client.register_script(GCRA_SCRIPT)
        # A Redis that stalls holds the call up to its timeout: never the event loop.
        self._blocking = blocking
        self._prefix = prefix
        self._fallback = fallback
        self._now = now
        self._away_until: float | None = None

    def admit(self, policy: RatePolicy, subject: str) -> float:
        away_until = self._away_until
        if away_until is not None and self._now() < away_until:
            return self._fallback.admit(policy, subject)
        try:
            key = f"{self._prefix}:{policy.name}:{subject}"
            args = [round(policy.interval * MICROSECONDS), policy.burst]
            wait = self._blocking(lambda: self._script(keys=[key], args=args))
        except (redis.RedisError, OSError) as error:
            self._note_failure(error)
            return self._fallback.admit(policy, subject)
        if away_until is not None:
            self._away_until = None
            log.info("Redis answers again: the rate limits are shared again")
        return int(cast("int", wait)) / MICROSECONDS

    def _note_failure(self, error: Exception) -> None:
        if self._away_until is None:
            # The error's type only: a message may carry the URL, password included.
            log.warning(
                "Redis is not answering (%s): each worker keeps the rate limits on its own "
                "until it does",
                type(error).__name__,
            )
        self._away_until = self._now() + PAUSE_AFTER_FAILURE_SECONDS
