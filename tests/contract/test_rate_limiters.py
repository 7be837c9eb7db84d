"""One contract for every RateLimiter: counted in this process, or in the shared Redis."""

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from todo_service.adapters.memory import InProcessRateLimiter
from todo_service.adapters.redis import RedisRateLimiter, redis_client
from todo_service.application import RatePolicy
from todo_service.application.ports import RateLimiter

ONE_A_MINUTE_THREE_AT_ONCE = RatePolicy("writes", per_minute=1, burst=3)


class NeverAsked(RateLimiter):
    """The Redis limiter's fallback here: the contract holds only if Redis did the counting."""

    def admit(self, policy: RatePolicy, subject: str) -> float:
        raise AssertionError("Redis failed and the fallback was asked")


@pytest.fixture(params=["in-process", "redis"])
def sut(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "in-process":
        yield InProcessRateLimiter()
        return
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    client = redis_client(url, timeout_seconds=5)
    yield RedisRateLimiter(client, f"{prefix}:contract", NeverAsked())
    client.close()


@pytest.fixture
def subject() -> str:
    """A user of this test's own, so that tests and runs never share a count."""
    return f"user-{uuid.uuid4()}"


def test_a_full_allowance_admits_the_burst_at_once_and_then_refuses(
    sut: RateLimiter, subject: str
) -> None:
    admitted = [sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, subject) for _ in range(3)]
    assert admitted == [0, 0, 0]
    assert 0 < sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, subject) <= 60


def test_after_the_burst_the_wait_is_one_interval(sut: RateLimiter, subject: str) -> None:
    policy = RatePolicy("reads", per_minute=1, burst=1)
    assert sut.admit(policy, subject) == 0
    # One a minute: the next request fits a minute after this one, less what has passed
    # (seconds at most, on a loaded machine).
    assert 50 < sut.admit(policy, subject) <= 60


def test_a_refused_request_is_not_counted(sut: RateLimiter, subject: str) -> None:
    for _ in range(3):
        sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, subject)
    waits = [sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, subject) for _ in range(5)]
    # Each refusal would push the next one a minute further if it were counted.
    assert all(0 < wait <= 60 for wait in waits)
    assert waits == sorted(waits, reverse=True)


def test_the_allowance_refills_at_the_rate(sut: RateLimiter, subject: str) -> None:
    policy = RatePolicy("writes", per_minute=60, burst=1)
    assert sut.admit(policy, subject) == 0
    # Refused when it comes within a second of the one before: at once, unless the
    # machine stalled that long in between; then the next one is.
    wait = next(wait for wait in (sut.admit(policy, subject) for _ in range(5)) if wait > 0)
    assert wait <= policy.interval
    time.sleep(wait)
    assert sut.admit(policy, subject) == 0


def test_users_and_policies_are_counted_apart(sut: RateLimiter, subject: str) -> None:
    for _ in range(3):
        sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, subject)
    assert sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, subject) > 0

    assert sut.admit(ONE_A_MINUTE_THREE_AT_ONCE, f"{subject}-other") == 0
    assert sut.admit(RatePolicy("reads", per_minute=1, burst=3), subject) == 0


def test_concurrent_requests_never_pass_the_burst(sut: RateLimiter, subject: str) -> None:
    policy = RatePolicy("writes", per_minute=1, burst=20)
    with ThreadPoolExecutor(16) as pool:
        waits = list(pool.map(lambda _: sut.admit(policy, subject), range(128)))
    assert waits.count(0) == 20
