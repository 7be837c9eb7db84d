"""A hung database occupies every worker thread; liveness must not queue behind them."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.live_service import ServiceProcess, auth_for, running_service
from tests.system.databases import Database, postgres_url_through
from tests.system.figures import report
from tests.system.load import wait_until
from tests.system.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

# More than the server's worker threads (anyio's default limit is 40).
STUCK_REQUESTS = 60
POOL_CONNECTIONS = 10


@pytest.fixture
def service(
    postgres_database_only: Database, proxy: TcpProxy, tmp_path: Path
) -> Iterator[ServiceProcess]:
    proxy.hang()
    env = postgres_database_only.environment(
        postgres_url_through(postgres_database_only, proxy.port),
        DATABASE_POOL_SIZE="5",
        DATABASE_MAX_OVERFLOW="5",
        DATABASE_CONNECT_TIMEOUT_SECONDS="2",
        DATABASE_POOL_TIMEOUT_SECONDS="1",
    )
    with running_service(env, tmp_path) as running:
        yield running


def test_liveness_is_answered_before_any_request_stuck_on_a_hung_database_and_readiness_is_503(
    service: ServiceProcess, proxy: TcpProxy
) -> None:
    owner = auth_for("patient")
    answered: list[str] = []
    lock = threading.Lock()

    def create(client: httpx.Client, _: int) -> int:
        status = client.post("/api/todos", json={"title": "stuck"}, headers=owner).status_code
        with lock:
            answered.append("api")
        return status

    limits = httpx.Limits(max_connections=STUCK_REQUESTS)
    with (
        httpx.Client(base_url=service.base_url, limits=limits, timeout=30) as client,
        ThreadPoolExecutor(max_workers=STUCK_REQUESTS) as pool,
    ):
        stuck = [pool.submit(create, client, n) for n in range(STUCK_REQUESTS)]
        wait_until(lambda: proxy.connections_held >= POOL_CONNECTIONS, "the pool stuck connecting")
        liveness = httpx.get(f"{service.base_url}/healthz", timeout=30).status_code
        with lock:
            answered.append("healthz")
        readiness = httpx.get(f"{service.base_url}/readyz", timeout=30).status_code
        statuses = [future.result() for future in stuck]

    report(
        "hung database",
        sent=STUCK_REQUESTS,
        answered_503=statuses.count(503),
        liveness_answered_first=int(answered[0] == "healthz"),
    )
    assert (liveness, readiness) == (200, 503)
    assert answered[0] == "healthz"
    assert set(statuses) == {503}
