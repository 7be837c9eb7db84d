"""Racing writers through a real uvicorn process: real threads, real connections, real locks."""

import uuid

import httpx

from tests.support.live_service import ServiceProcess, auth_for
from tests.system.concurrency import all_at_once
from tests.system.figures import report

TOGGLES = 40
PATCHES = 10


def _new_user() -> dict[str, str]:
    return auth_for(f"racer-{uuid.uuid4()}")


def _create(service: ServiceProcess, headers: dict[str, str]) -> str:
    response = httpx.post(f"{service.base_url}/api/todos", json={"title": "race"}, headers=headers)
    assert response.status_code == 201, response.text
    todo_id: str = response.json()["id"]
    return todo_id


def test_forty_concurrent_toggles_give_forty_flips_and_forty_versions(
    shared_service: ServiceProcess,
) -> None:
    alice = _new_user()
    todo_id = _create(shared_service, alice)

    responses = all_at_once(
        TOGGLES,
        lambda client, _: client.post(f"/api/todos/{todo_id}/toggle-complete", headers=alice),
        shared_service.base_url,
    )

    assert [r.status_code for r in responses] == [200] * TOGGLES, {r.text for r in responses}
    by_version = sorted((r.json() for r in responses), key=lambda todo: todo["version"])
    assert [todo["version"] for todo in by_version] == list(range(2, TOGGLES + 2))
    assert [todo["completed"] for todo in by_version] == [n % 2 == 0 for n in range(TOGGLES)]
    final = httpx.get(f"{shared_service.base_url}/api/todos/{todo_id}", headers=alice).json()
    assert (final["version"], final["completed"]) == (1 + TOGGLES, TOGGLES % 2 == 1)
    report(
        f"racing toggles ({shared_service.backend})",
        sent=TOGGLES,
        ok=TOGGLES,
        final_version=final["version"],
    )


def test_of_ten_patches_carrying_one_if_match_exactly_one_wins_and_its_title_is_stored(
    shared_service: ServiceProcess,
) -> None:
    alice = _new_user()
    todo_id = _create(shared_service, alice)

    responses = all_at_once(
        PATCHES,
        lambda client, n: client.patch(
            f"/api/todos/{todo_id}",
            json={"title": f"writer {n}"},
            headers={**alice, "If-Match": '"1"'},
        ),
        shared_service.base_url,
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (PATCHES - 1), {r.text for r in responses}
    winner = next(r.json() for r in responses if r.status_code == 200)
    stored = httpx.get(f"{shared_service.base_url}/api/todos/{todo_id}", headers=alice).json()
    assert stored == winner
    assert stored["version"] == 2
    report(
        f"racing If-Match PATCHes ({shared_service.backend})",
        sent=PATCHES,
        ok=1,
        precondition_failed=statuses.count(412),
    )
