"""Retries of one create racing each other through a real uvicorn process make one todo."""

import uuid

import httpx

from tests.support.live_service import ServiceProcess, auth_for
from tests.system.concurrency import all_at_once
from tests.system.figures import report
from tests.system.load import stored_todo_ids

RETRIES = 20


def test_twenty_concurrent_creates_with_one_key_make_exactly_one_todo(
    shared_service: ServiceProcess,
) -> None:
    alice = auth_for(f"retrier-{uuid.uuid4()}")
    headers = {**alice, "Idempotency-Key": str(uuid.uuid4())}

    responses = all_at_once(
        RETRIES,
        lambda client, _: client.post("/api/todos", json={"title": "once"}, headers=headers),
        shared_service.base_url,
    )

    assert [r.status_code for r in responses] == [201] * RETRIES, {r.text for r in responses}
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    with httpx.Client(base_url=shared_service.base_url) as client:
        assert stored_todo_ids(client, alice) == ids
    report(
        f"racing creates with one Idempotency-Key ({shared_service.backend})",
        sent=RETRIES,
        answered_201=RETRIES,
        todos=len(ids),
    )
