"""By hand: how long another user's GET takes while issue 14's search flood runs.

    .venv/bin/python -m tests.performance.search_flood                 # limits out of reach
    .venv/bin/python -m tests.performance.search_flood --rate-limits   # the default limits

Starts `todo serve` (one worker, access log off) on a fresh database of the local
PostgreSQL server, seeds the attacker's 21,000 todos, and prints the other user's GET
alone and then under 100 clients searching `q=zzzzqq&limit=100` ten times each, with
every status both sides got. The system test (tests/system/test_search_flood.py) runs
the same flood and checks the statuses; timings are only ever printed.
"""

import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.conftest import (
    create_database,
    drop_database,
    postgres_conninfo,
    postgres_sqlalchemy_url,
)
from tests.support.live_service import auth_for, run_todo, running_service, service_environment
from tests.system.search_flood import Answers, flood, seed_attacker
from todo_service.entrypoints.settings import Settings

QUIET_READS = 200
# Longer than the system test's flood, so that the other user reads more often meanwhile.
ROUNDS = 10


def reads_alone(base_url: str) -> Answers:
    """The other user's GET with nothing else going on."""
    answers = Answers()
    headers = auth_for(f"quiet-{uuid.uuid4()}")
    with httpx.Client(base_url=base_url, headers=headers) as client:
        mine = f"/api/todos/{client.post('/api/todos', json={'title': 'mine'}).json()['id']}"
        for _ in range(QUIET_READS):
            started = time.perf_counter()
            status = client.get(mine).status_code
            answers.keep(status, time.perf_counter() - started)
    return answers


def _line(label: str, answers: Answers) -> str:
    statuses = {status: answers.statuses.count(status) for status in sorted(set(answers.statuses))}
    return (
        f"{label}: {len(answers.statuses)} requests, median {answers.median_ms():.1f} ms, "
        f"worst {answers.worst_ms():.1f} ms, statuses {statuses}"
    )


def default_rate_limits() -> dict[str, str]:
    """The rate-limit settings at their defaults, as a service configured by nobody runs."""
    return {
        name.upper(): str(field.default)
        for name, field in Settings.model_fields.items()
        if name.startswith("rate_limit") and not isinstance(field.default, str | None)
    }


def main() -> None:
    limits = default_rate_limits() if "--rate-limits" in sys.argv[1:] else {}
    print(f"rate limits: {limits or 'out of reach (UNTHROTTLED)'}")
    admin = postgres_conninfo("postgres")
    name = create_database(admin, prefix="todo_flood")
    try:
        with tempfile.TemporaryDirectory() as folder:
            environment = service_environment(
                postgres_sqlalchemy_url(name), ACCESS_LOG="false", **limits
            )
            run_todo(["migrate"], environment, Path(folder))
            attacker = f"attacker-{uuid.uuid4()}"
            seed_attacker(postgres_conninfo(name), attacker)
            with running_service(environment, Path(folder)) as service:
                alone = reads_alone(service.base_url)
                result = flood(service.base_url, attacker, rounds=ROUNDS)
        print(_line("other user's GET, alone", alone))
        print(_line("other user's GET, under the flood", result.reads))
        print(_line("the flood's searches", result.searches))
    finally:
        drop_database(admin, name)


if __name__ == "__main__":
    main()
