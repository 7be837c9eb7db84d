"""A 201 means committed: SIGKILL under load loses no acknowledged create."""

from pathlib import Path

import httpx

from tests.support.live_service import auth_for, running_service, started_service
from tests.system.databases import Database
from tests.system.figures import report
from tests.system.load import UNANSWERED, CreateLoad, acknowledged, stored_todo_ids, wait_until

ACKS_BEFORE_KILL = 100


def test_every_create_answered_201_survives_a_sigkill_under_load(
    database: Database, tmp_path: Path
) -> None:
    owner = auth_for("durable")
    victim = started_service(database.environment(), tmp_path)
    try:
        with CreateLoad(victim.base_url, owner) as load:
            wait_until(lambda: len(acknowledged(load.answers())) >= ACKS_BEFORE_KILL, "creates")
            victim.kill()
            wait_until(
                lambda: any(a.status == UNANSWERED for a in load.answers()), "the kill noticed"
            )
            answers = load.stop()
    finally:
        victim.kill()

    with (
        running_service(database.environment(), tmp_path) as restarted,
        httpx.Client(base_url=restarted.base_url, timeout=10) as client,
    ):
        stored = stored_todo_ids(client, owner)

    acked = acknowledged(answers)
    report(
        f"durability ({victim.backend})",
        sent=len(answers),
        acknowledged=len(acked),
        unanswered=sum(a.status == UNANSWERED for a in answers),
        found=len(acked & stored),
        stored=len(stored),
    )

    assert {a.status for a in answers} <= {201, UNANSWERED}
    assert acked <= stored
