"""PostgreSQL goes away under a steady stream of creates; the service answers 503 and recovers.

The shared server itself is never stopped (other test runs use it): a TCP proxy
between the service and the server plays the stopped server, and
pg_terminate_backend kills the service's connections on the real one.
"""

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import POSTGRES_PORT
from tests.support.live_service import ServiceProcess, auth_for, running_service
from tests.system.databases import Database, postgres_url_through
from tests.system.figures import report
from tests.system.load import Answer, CreateLoad, acknowledged, stored_todo_ids, wait_until
from tests.system.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

ACKS_PER_PHASE = 20
UNAVAILABLE_TO_SEE = 10
TERMINATIONS = 3
OWNER = "outage-survivor"


@pytest.fixture
def service(
    postgres_database_only: Database, proxy: TcpProxy, tmp_path: Path
) -> Iterator[ServiceProcess]:
    """The service, started while the database is away (start-up must not need it)."""
    through_proxy = postgres_url_through(postgres_database_only, proxy.port)
    env = postgres_database_only.environment(through_proxy, DATABASE_CONNECT_TIMEOUT_SECONDS="2")
    proxy.cut()
    with running_service(env, tmp_path) as running:
        yield running


def _status(service: ServiceProcess, path: str) -> int:
    return httpx.get(f"{service.base_url}{path}", timeout=10).status_code


def _terminate_backends(admin_conninfo: str, database: str) -> int:
    with psycopg.connect(admin_conninfo, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


def _acks(load: CreateLoad, phase: str) -> int:
    return len(acknowledged(load.answers(phase)))


def _has_acks(load: CreateLoad, enough: int) -> bool:
    return _acks(load, load.phase) >= enough


def _unavailable(answers: list[Answer]) -> list[Answer]:
    return [a for a in answers if a.status == 503]


def _probes_while_away(service: ServiceProcess, load: CreateLoad, phase: str) -> tuple[int, int]:
    """Once the load has seen the outage: what readiness and liveness answer."""
    wait_until(
        lambda: len(_unavailable(load.answers(phase))) >= UNAVAILABLE_TO_SEE,
        f"503s in phase {phase!r}",
    )
    return _status(service, "/readyz"), _status(service, "/healthz")


def _recovers(service: ServiceProcess, load: CreateLoad, phase: str) -> None:
    wait_until(lambda: _acks(load, phase) >= ACKS_PER_PHASE, f"creates in phase {phase!r}")
    wait_until(lambda: _status(service, "/readyz") == 200, f"ready in phase {phase!r}")


def _kill_connections_under_load(load: CreateLoad, admin: str, database: Database) -> int:
    """Kill every connection of the service, TERMINATIONS times, letting creates land between."""
    terminated = 0
    for round_ in range(1, TERMINATIONS + 1):
        terminated += _terminate_backends(admin, database.name)
        wait_until(partial(_has_acks, load, round_ * ACKS_PER_PHASE // TERMINATIONS), "creates")
    return terminated


def test_while_postgres_is_away_the_api_is_503_and_no_acknowledged_write_is_lost(
    service: ServiceProcess, proxy: TcpProxy, postgres_admin: str, postgres_database_only: Database
) -> None:
    owner = auth_for(OWNER)
    with CreateLoad(service.base_url, owner) as load:
        load.phase = "gone at start-up"
        probes_at_start = _probes_while_away(service, load, load.phase)

        load.phase = "server back"
        proxy.restore()
        _recovers(service, load, load.phase)

        load.phase = "server gone"
        proxy.cut()
        probes_later = _probes_while_away(service, load, load.phase)

        load.phase = "server back again"
        proxy.restore()
        _recovers(service, load, load.phase)

        load.phase = "connections killed"
        terminated = _kill_connections_under_load(load, postgres_admin, postgres_database_only)
        _recovers(service, load, load.phase)
        answers = load.stop()

    acked = acknowledged(answers)
    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        found = stored_todo_ids(client, owner) & acked
    for phase in load.phases():
        in_phase = load.answers(phase)
        report(
            f"outage, {phase}",
            sent=len(in_phase),
            answered_503=len(_unavailable(in_phase)),
            acknowledged=len(acknowledged(in_phase)),
            found=len(acknowledged(in_phase) & found),
        )
    report(
        "outage, total",
        sent=len(answers),
        answered_503=len(_unavailable(answers)),
        acknowledged=len(acked),
        found=len(found),
        backends_terminated=terminated,
    )

    assert probes_at_start == probes_later == (503, 200)
    assert {a.status for a in answers} <= {201, 503}
    assert all(
        a.retry_after and a.content_type == "application/problem+json"
        for a in _unavailable(answers)
    )
    assert found == acked
    # The log says so once per change, with the reason, however many requests failed.
    said = _database_lines(service)
    assert [line["message"] for line in said[:4]] == [UNREACHABLE, BACK, UNREACHABLE, BACK]
    assert all(line["reason"] for line in said[:4:2])
    assert len(said) <= 8 < len(_unavailable(answers))


UNREACHABLE = "The database cannot be reached; the API answers 503 until it can be used"
BACK = "The database answers again"


def _database_lines(service: ServiceProcess) -> list[dict[str, str]]:
    lines = [json.loads(line) for line in service.log_path.read_text().splitlines()]
    return [line for line in lines if line.get("logger") == "todo.database"]


def test_a_misconfigured_database_is_in_the_log_at_start_up_and_in_readiness(
    postgres_database_only: Database, tmp_path: Path
) -> None:
    password = "hunter2-not-for-logs"
    url = postgres_url_through(postgres_database_only, POSTGRES_PORT)
    wrong = url.replace("://postgres@", f"://postgres:{password}@").rsplit("/", 1)[0] + "/nope"
    with running_service(postgres_database_only.environment(wrong), tmp_path) as service:
        readiness = httpx.get(f"{service.base_url}/readyz", timeout=10)
        todos = httpx.get(f"{service.base_url}/api/todos", headers=auth_for(OWNER), timeout=10)
        log = service.log_path.read_text()

    assert readiness.status_code == todos.status_code == 503
    assert readiness.json()["not_ready"] == {"database": "misconfigured"}
    assert password not in log
    assert password not in readiness.text
    (said,) = _database_lines(service)
    assert said["message"].startswith("The database is misconfigured")
    assert said["reason"] == 'FATAL: database "nope" does not exist'
    assert ":***@" in said["database"]
    assert said["database"].endswith("/nope")
