"""Changes since a token over HTTP: what a second device needs to catch up."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from tests.factories import FixedClock

Create = Callable[..., dict[str, Any]]


def _sync(client: TestClient, headers: Headers, token: str | None = None, **params: Any) -> Any:
    query = {**params, **({"token": token} if token else {})}
    response = client.get("/api/todos/changes", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_device_catches_up_on_changes_and_deletions_only(
    client: TestClient, alice: Headers, bob: Headers, create: Create
) -> None:
    kept, changed, deleted = (create(title=t) for t in ("kept", "changed", "deleted"))
    full = _sync(client, alice)
    assert {todo["id"] for todo in full["todos"]} == {kept["id"], changed["id"], deleted["id"]}
    assert (full["deleted"], full["more"]) == ([], False)

    client.patch(changed["url"], json={"title": "changed again"}, headers=alice)
    client.delete(deleted["url"], headers=alice)
    added = create(title="added")
    create(headers=bob, title="bob's")

    since = _sync(client, alice, full["token"])
    # What the full sync sent may come again, as it was, where its floor lagged behind a
    # transaction still running elsewhere (another test's, on PostgreSQL).
    news = [todo for todo in since["todos"] if todo not in full["todos"]]
    assert sorted(todo["title"] for todo in news) == ["added", "changed again"]
    assert [gone["id"] for gone in since["deleted"]] == [deleted["id"]]
    assert since["todos"][-1]["url"] == added["url"]
    # Nothing changed since: at most what came before comes again, as it is (PostgreSQL's
    # floor is the oldest transaction still running anywhere, another test's too).
    again = _sync(client, alice, since["token"])
    assert all(todo in since["todos"] for todo in again["todos"])
    assert all(gone in since["deleted"] for gone in again["deleted"])


def test_a_long_log_comes_in_pages_each_todo_once(
    client: TestClient, alice: Headers, create: Create
) -> None:
    for n in range(5):
        create(title=f"t{n}")
    seen: list[str] = []
    page = _sync(client, alice, limit=2)
    while True:
        seen += [todo["title"] for todo in page["todos"]]
        if not page["more"]:
            break
        page = _sync(client, alice, page["token"], limit=2)
    assert sorted(seen) == [f"t{n}" for n in range(5)]


def test_a_token_of_another_user_or_altered_says_to_start_over(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    token = _sync(client, alice)["token"]
    for headers, sent in ((bob, token), (alice, token[:-2] + "xy"), (alice, "garbage")):
        response = client.get("/api/todos/changes", params={"token": sent}, headers=headers)
        assert response.status_code == 422, response.text
        [issue] = response.json()["errors"]
        assert issue["loc"] == ["query", "token"]
        assert "start a full sync" in issue["msg"]


def test_a_token_past_the_retention_is_410_gone(
    client: TestClient, alice: Headers, clock: FixedClock
) -> None:
    token = _sync(client, alice)["token"]
    clock.advance((timedelta(days=30) + timedelta(seconds=1)).total_seconds())
    response = client.get("/api/todos/changes", params={"token": token}, headers=alice)
    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"
    assert "start a full sync" in response.json()["detail"]
