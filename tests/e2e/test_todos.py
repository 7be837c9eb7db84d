import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from tests.factories import FixedClock

Create = Callable[..., dict[str, Any]]
PROBLEM_JSON = "application/problem+json"
# In the order a response gives them: the todo's id and URL first, where a reader looks.
TODO_FIELDS = [
    "id",
    "url",
    "title",
    "description",
    "priority",
    "due_at",
    "completed",
    "order",
    "completed_at",
    "created_at",
    "updated_at",
    "version",
]


def _issue_locations(response: Any) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [issue["loc"] for issue in response.json()["errors"]]


def test_a_created_todo_is_201_with_its_location_etag_and_server_set_fields(
    client: TestClient, alice: Headers
) -> None:
    body = {"title": "  Buy milk  ", "priority": "high", "due_at": "2026-11-27T18:00:00+01:00"}
    response = client.post("/api/todos", json=body, headers=alice)
    assert response.status_code == 201
    todo = response.json()
    assert list(todo) == TODO_FIELDS
    assert response.headers["location"] == f"/api/todos/{todo['id']}"
    assert todo["url"] == f"http://127.0.0.1:8000/api/todos/{todo['id']}"
    assert response.headers["etag"] == '"1"'
    assert todo["title"] == "Buy milk"
    assert todo["due_at"] == "2026-11-27T17:00:00Z"
    assert (todo["description"], todo["completed"], todo["completed_at"]) == (None, False, None)
    assert todo["created_at"] == todo["updated_at"] == "2026-11-25T09:30:00Z"
    assert todo["version"] == 1


def test_a_todo_created_completed_is_completed_now(client: TestClient, create: Create) -> None:
    todo = create(completed=True)
    assert (todo["completed"], todo["completed_at"]) == (True, "2026-11-25T09:30:00Z")


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({}, ["body", "title"]),
        ({"title": "a", "user_id": "bob"}, ["body", "user_id"]),
        ({"title": "a", "id": str(uuid.uuid4())}, ["body", "id"]),
        ({"title": "a", "due_at": "2026-11-27T17:00:00"}, ["body", "due_at"]),
        ({"title": "a", "priority": "urgent"}, ["body", "priority"]),
        ({"title": "a", "completed": "yes"}, ["body", "completed"]),
        ({"title": 42}, ["body", "title"]),
        ({"title": "   "}, ["body", "title"]),
        ({"title": "x" * 201}, ["body", "title"]),
        ({"title": "tab\there"}, ["body", "title"]),
        ({"title": "a", "description": "d" * 5001}, ["body", "description"]),
    ],
)
def test_an_invalid_create_is_422_naming_the_field_and_creates_nothing(
    client: TestClient, alice: Headers, body: dict[str, Any], location: list[str]
) -> None:
    response = client.post("/api/todos", json=body, headers=alice)
    assert location in _issue_locations(response)
    assert client.get("/api/todos", headers=alice).json()["total"] == 0


def test_a_body_that_is_not_json_is_422(client: TestClient, alice: Headers) -> None:
    headers = {**alice, "Content-Type": "application/json"}
    response = client.post("/api/todos", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


def test_a_todo_is_read_back_with_its_etag(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todo = create(description="Oat")
    response = client.get(f"/api/todos/{todo['id']}", headers=alice)
    assert response.status_code == 200
    assert response.json() == todo
    assert response.headers["etag"] == '"1"'


def test_a_missing_todo_is_a_problem_404(client: TestClient, alice: Headers) -> None:
    response = client.get(f"/api/todos/{uuid.uuid4()}", headers=alice)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Todo not found",
    }


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/toggle-complete")],
)
def test_a_path_id_that_is_not_a_uuid_is_422(
    client: TestClient, alice: Headers, method: str, suffix: str
) -> None:
    response = client.request(method, f"/api/todos/not-a-uuid{suffix}", headers=alice, json={})
    assert ["path", "todo_id"] in _issue_locations(response)


def test_a_patch_changes_only_the_given_fields_and_moves_the_version(
    client: TestClient, alice: Headers, create: Create, clock: FixedClock
) -> None:
    todo = create(description="Oat", priority="low")
    clock.advance(60)
    response = client.patch(
        f"/api/todos/{todo['id']}", json={"title": "Buy oat milk"}, headers=alice
    )
    assert response.status_code == 200
    changed = response.json()
    assert response.headers["etag"] == '"2"'
    assert changed == {
        **todo,
        "title": "Buy oat milk",
        "version": 2,
        "updated_at": "2026-11-25T09:31:00Z",
    }
    assert client.get(f"/api/todos/{todo['id']}", headers=alice).json() == changed


def test_an_explicit_null_clears_the_description_and_due_date(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todo = create(description="Oat", due_at="2026-12-01T00:00:00Z")
    body = {"description": None, "due_at": None}
    changed = client.patch(f"/api/todos/{todo['id']}", json=body, headers=alice).json()
    assert (changed["description"], changed["due_at"]) == (None, None)


def test_completing_by_patch_sets_completed_at_and_reopening_clears_it(
    client: TestClient, alice: Headers, create: Create
) -> None:
    url = f"/api/todos/{create()['id']}"
    done = client.patch(url, json={"completed": True}, headers=alice).json()
    assert done["completed_at"] == "2026-11-25T09:30:00Z"
    reopened = client.patch(url, json={"completed": False}, headers=alice).json()
    assert (reopened["completed"], reopened["completed_at"]) == (False, None)


def test_an_empty_patch_changes_nothing(
    client: TestClient, alice: Headers, create: Create, clock: FixedClock
) -> None:
    todo = create()
    clock.advance()
    response = client.patch(f"/api/todos/{todo['id']}", json={}, headers=alice)
    assert response.status_code == 200
    assert response.json() == todo


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"priority": None}, "priority"),
        ({"completed": None}, "completed"),
        ({"title": ""}, "title"),
        ({"due_at": "2026-12-01T00:00:00"}, "due_at"),
        ({"version": 7}, "version"),
        ({"completed_at": None}, "completed_at"),
    ],
)
def test_an_invalid_patch_is_422_and_changes_nothing(
    client: TestClient, alice: Headers, create: Create, body: dict[str, Any], field: str
) -> None:
    todo = create()
    response = client.patch(f"/api/todos/{todo['id']}", json=body, headers=alice)
    assert ["body", field] in _issue_locations(response)
    assert client.get(f"/api/todos/{todo['id']}", headers=alice).json() == todo


def test_a_patch_of_a_missing_todo_is_404(client: TestClient, alice: Headers) -> None:
    response = client.patch(f"/api/todos/{uuid.uuid4()}", json={"title": "x"}, headers=alice)
    assert response.status_code == 404


@pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "*", ' "1" '])
def test_a_patch_with_a_matching_if_match_applies(
    client: TestClient, alice: Headers, create: Create, if_match: str
) -> None:
    todo = create()
    headers = {**alice, "If-Match": if_match}
    response = client.patch(f"/api/todos/{todo['id']}", json={"title": "b"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_a_patch_with_a_stale_if_match_is_412_and_changes_nothing(
    client: TestClient, alice: Headers, create: Create
) -> None:
    url = f"/api/todos/{create()['id']}"
    client.post(f"{url}/toggle-complete", headers=alice)
    response = client.patch(url, json={"title": "b"}, headers={**alice, "If-Match": '"1"'})
    assert response.status_code == 412
    assert response.headers["content-type"] == PROBLEM_JSON
    assert client.get(url, headers=alice).json()["title"] == "Buy milk"


@pytest.mark.parametrize("if_match", ["1", '"one"', '"1", "2"', '"-1"', ""])
def test_a_malformed_if_match_is_422(
    client: TestClient, alice: Headers, create: Create, if_match: str
) -> None:
    url = f"/api/todos/{create()['id']}"
    response = client.patch(url, json={"title": "b"}, headers={**alice, "If-Match": if_match})
    assert ["header", "if-match"] in _issue_locations(response)


def test_a_deleted_todo_is_gone(client: TestClient, alice: Headers, create: Create) -> None:
    url = f"/api/todos/{create()['id']}"
    response = client.delete(url, headers=alice)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url, headers=alice).status_code == 404
    assert client.delete(url, headers=alice).status_code == 404


def test_a_delete_with_a_stale_if_match_is_412_and_keeps_the_todo(
    client: TestClient, alice: Headers, create: Create
) -> None:
    url = f"/api/todos/{create()['id']}"
    client.patch(url, json={"title": "b"}, headers=alice)
    assert client.delete(url, headers={**alice, "If-Match": '"1"'}).status_code == 412
    assert client.get(url, headers=alice).status_code == 200
    assert client.delete(url, headers={**alice, "If-Match": '"2"'}).status_code == 204


def test_toggling_flips_completed_and_moves_the_version_each_time(
    client: TestClient, alice: Headers, create: Create
) -> None:
    url = f"/api/todos/{create()['id']}/toggle-complete"
    first = client.post(url, headers=alice)
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    assert (first.json()["completed"], first.json()["completed_at"]) == (
        True,
        "2026-11-25T09:30:00Z",
    )
    second = client.post(url, headers=alice).json()
    assert (second["completed"], second["completed_at"], second["version"]) == (False, None, 3)


def test_toggling_a_missing_todo_is_404(client: TestClient, alice: Headers) -> None:
    response = client.post(f"/api/todos/{uuid.uuid4()}/toggle-complete", headers=alice)
    assert response.status_code == 404


def test_the_current_user_is_recorded_from_the_token_claims(
    client: TestClient, alice: Headers
) -> None:
    response = client.get("/api/users/me", headers=alice)
    assert response.status_code == 200
    assert response.json() == {
        "id": "alice",
        "email": "alice@example.com",
        "name": "Alice",
        "created_at": "2026-11-25T09:30:00Z",
    }
