import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers

Create = Callable[..., dict[str, Any]]

FOREIGN_REQUESTS = [
    ("GET", "", None),
    ("PATCH", "", {"title": "mine now"}),
    ("DELETE", "", None),
    ("POST", "/toggle-complete", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), FOREIGN_REQUESTS)
def test_another_users_todo_answers_exactly_like_a_missing_one_and_stays_unchanged(
    client: TestClient,
    alice: Headers,
    bob: Headers,
    create: Create,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    alices = create(description="private")
    bob = {**bob, "X-Request-ID": "same-for-both"}  # else the only header that differs
    foreign = client.request(method, f"/api/todos/{alices['id']}{suffix}", json=body, headers=bob)
    missing = client.request(method, f"/api/todos/{uuid.uuid4()}{suffix}", json=body, headers=bob)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert dict(foreign.headers) == dict(missing.headers)
    assert client.get(f"/api/todos/{alices['id']}", headers=alice).json() == alices


def test_a_stale_if_match_on_another_users_todo_is_still_404(
    client: TestClient, bob: Headers, create: Create
) -> None:
    url = f"/api/todos/{create()['id']}"
    for method in ("PATCH", "DELETE"):
        response = client.request(method, url, json={}, headers={**bob, "If-Match": '"9"'})
        assert response.status_code == 404


def test_listings_show_only_the_callers_todos(
    client: TestClient, alice: Headers, bob: Headers, create: Create
) -> None:
    create(title="alice's")
    create(headers=bob, title="bob's")
    for headers, title in ((alice, "alice's"), (bob, "bob's")):
        page = client.get("/api/todos", headers=headers).json()
        assert [item["title"] for item in page["items"]] == [title]
        assert page["total"] == 1


def test_no_response_carries_an_owner_id(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todo = create()
    url = f"/api/todos/{todo['id']}"
    responses = [
        client.get(url, headers=alice),
        client.patch(url, json={"priority": "low"}, headers=alice),
        client.post(f"{url}/toggle-complete", headers=alice),
        client.get("/api/todos", headers=alice),
    ]
    for response in responses:
        assert response.status_code == 200
        assert "alice" not in response.text
        assert "owner" not in response.text
        assert "user_id" not in response.text
