from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers, make_settings

KEY = "quota-retry-key"


def _total(client: TestClient, headers: Headers) -> int:
    total: int = client.get("/api/todos", headers=headers).json()["total"]
    return total


@pytest.mark.parametrize("settings", [make_settings(max_todos_per_user=2)])
def test_a_create_past_the_quota_of_todos_is_409_and_creates_nothing(
    client: TestClient, alice: Headers, bob: Headers, create: Any
) -> None:
    first = client.post(
        "/api/todos", json={"title": "one"}, headers={**alice, "Idempotency-Key": KEY}
    )
    create(title="two")

    refused = client.post("/api/todos", json={"title": "three"}, headers=alice)

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Quota reached: a user may hold at most 2 todos; delete some to add more",
    }
    assert _total(client, alice) == 2
    # A retry of a create that went through is answered as before, quota or not.
    again = client.post(
        "/api/todos", json={"title": "one"}, headers={**alice, "Idempotency-Key": KEY}
    )
    assert (again.status_code, again.json()) == (201, first.json())
    assert client.post("/api/todos", json={"title": "bob's"}, headers=bob).status_code == 201


@pytest.mark.parametrize("settings", [make_settings(max_text_bytes_per_user=20)])
def test_text_past_the_quota_is_409_on_create_and_on_a_change_that_grows_it(
    client: TestClient, alice: Headers, create: Any
) -> None:
    todo = create(title="0123456789")  # 10 bytes

    grown = client.patch(f"/api/todos/{todo['id']}", json={"description": "x" * 11}, headers=alice)
    too_long = client.post("/api/todos", json={"title": "x" * 11}, headers=alice)
    shrunk = client.patch(f"/api/todos/{todo['id']}", json={"title": "short"}, headers=alice)

    assert (grown.status_code, too_long.status_code, shrunk.status_code) == (409, 409, 200)
    assert "at most 20 bytes of text" in grown.json()["detail"]
    assert client.get(f"/api/todos/{todo['id']}", headers=alice).json()["description"] is None
    assert _total(client, alice) == 1


def test_the_openapi_document_says_a_create_or_change_past_the_quota_is_409(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for operation in (paths["/api/todos"]["post"], paths["/api/todos/{todo_id}"]["patch"]):
        assert "quota" in operation["responses"]["409"]["description"]
        assert "quota" in operation["description"].lower()
