"""`todo serve` with two workers sharing Redis: one user's limit holds across both."""

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.system.figures import report
from tests.system.workers import Service, two_workers
from todo_service.adapters.jwt import mint_token

pytestmark = pytest.mark.postgres

JWT_SECRET = "rate-limit-workers-secret-of-32-bytes+"
WRITE_BURST = 10
# A bound, not a measure: a worker still starting on a busy machine takes no request yet.
BOTH_WORKERS_WITHIN_SECONDS = 60


@pytest.fixture
def service(postgres_admin: str, redis_url: str, redis_prefix: str) -> Iterator[Service]:
    with two_workers(
        postgres_admin,
        "todo_rate_limits",
        JWT_SECRET,
        RATE_LIMIT_REDIS_URL=redis_url,
        RATE_LIMIT_REDIS_PREFIX=f"{redis_prefix}:workers",
        RATE_LIMIT_WRITES_PER_MINUTE="1",
        RATE_LIMIT_WRITE_BURST=str(WRITE_BURST),
    ) as sut:
        yield sut


def test_one_users_writes_are_limited_once_across_two_workers(
    service: Service, redis_url: str
) -> None:
    token = mint_token(JWT_SECRET, "flooder")
    redis_port = urlsplit(redis_url).port or 6379

    def create() -> int:
        return service.call("POST", "/api/todos", token, {"title": "flood"})[0]

    statuses: list[int] = []
    deadline = time.monotonic() + BOTH_WORKERS_WITHIN_SECONDS
    with ThreadPoolExecutor(8) as pool:
        while len(service.workers_connected_to(redis_port)) < 2 or len(statuses) < 3 * WRITE_BURST:
            assert time.monotonic() < deadline, f"one worker took all {len(statuses)} requests"
            statuses += pool.map(lambda _: create(), range(8))

    # Counted apart, each worker would admit up to the burst: more than one burst in all.
    counts = Counter(statuses)
    report("rate limits across 2 workers", creates=len(statuses), created=counts[201])
    assert counts == {201: WRITE_BURST, 429: len(statuses) - WRITE_BURST}
    status, page = service.call("GET", "/api/todos", token)
    assert (status, page["total"]) == (200, WRITE_BURST)
