"""The Redis rate limiter against real servers: its keys, and a Redis that goes away."""

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.factories import SteppedSeconds
from tests.support.private_redis import PrivateRedis, private_redis
from todo_service.adapters.memory import InProcessRateLimiter
from todo_service.adapters.redis import RedisRateLimiter, redis_client
from todo_service.adapters.redis.rate_limiter import PAUSE_AFTER_FAILURE_SECONDS
from todo_service.application import RatePolicy

THREE_AT_ONCE = RatePolicy("writes", per_minute=1, burst=3)


def key_exists(server: PrivateRedis, key: str) -> bool:
    client = redis.Redis.from_url(server.url)
    try:
        return bool(client.exists(key))
    finally:
        client.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PrivateRedis]:
    with private_redis(tmp_path) as running:
        yield running


@pytest.fixture
def clock() -> SteppedSeconds:
    """The limiter's clock for its pause after a failure: it moves when the test says."""
    return SteppedSeconds()


@pytest.fixture
def sut(server: PrivateRedis, clock: SteppedSeconds) -> Iterator[RedisRateLimiter]:
    client = redis_client(server.url, timeout_seconds=1)
    yield RedisRateLimiter(client, "todo", InProcessRateLimiter(), now=clock)
    client.close()


def test_a_count_lives_under_the_prefix_and_expires_once_the_allowance_is_full(
    redis_url: str, redis_prefix: str
) -> None:
    client = redis_client(redis_url, timeout_seconds=5)
    sut = RedisRateLimiter(client, f"{redis_prefix}:keys", InProcessRateLimiter())
    subject = f"user-{uuid.uuid4()}"

    sut.admit(RatePolicy("reads", per_minute=60, burst=10), subject)

    key = f"{redis_prefix}:keys:reads:{subject}"
    assert 0 < client.pttl(key) <= 1000
    client.close()


def test_while_redis_is_away_each_worker_counts_alone_and_nothing_raises(
    sut: RedisRateLimiter, server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    assert sut.admit(THREE_AT_ONCE, "alice") == 0

    server.stop()
    with caplog.at_level(logging.INFO, logger="todo.rate_limits"):
        during = [sut.admit(THREE_AT_ONCE, "alice") for _ in range(5)]

    # The fallback starts from a full allowance of its own: a looser limit, still a limit.
    assert during[:3] == [0, 0, 0]
    assert all(wait > 0 for wait in during[3:])
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage() for record in warnings] == [
        "Redis is not answering (ConnectionError): each worker keeps the rate limits on its "
        "own until it does"
    ]


def test_redis_is_asked_again_after_the_pause_and_counts_again(
    sut: RedisRateLimiter,
    server: PrivateRedis,
    clock: SteppedSeconds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.stop()
    sut.admit(THREE_AT_ONCE, "bob")

    server.start()
    assert sut.admit(THREE_AT_ONCE, "bob") == 0  # within the pause: the fallback's second
    assert not key_exists(server, "todo:writes:bob")

    clock.now += PAUSE_AFTER_FAILURE_SECONDS
    with caplog.at_level(logging.INFO, logger="todo.rate_limits"):
        assert [sut.admit(THREE_AT_ONCE, "bob") for _ in range(3)] == [0, 0, 0]
    assert sut.admit(THREE_AT_ONCE, "bob") > 0
    assert key_exists(server, "todo:writes:bob")
    assert "Redis answers again: the rate limits are shared again" in caplog.messages
