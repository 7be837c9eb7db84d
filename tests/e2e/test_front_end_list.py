"""What a front end's list needs over HTTP: manual order, moves, bulk actions, links."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app

Create = Callable[..., dict[str, Any]]
MAX_SAFE_INTEGER = 2**53 - 1


def _titles(client: TestClient, headers: Headers) -> list[str]:
    response = client.get("/api/todos", params={"sort": "order:asc"}, headers=headers)
    assert response.status_code == 200, response.text
    return [todo["title"] for todo in response.json()["items"]]


def _issues(response: Any) -> list[tuple[list[str | int], str]]:
    assert response.status_code == 422, response.text
    return [(issue["loc"], issue["msg"]) for issue in response.json()["errors"]]


def test_a_todo_is_listed_in_the_order_it_was_moved_to(
    client: TestClient, alice: Headers, create: Create
) -> None:
    milk, bread, mum = (create(title=title) for title in ("Buy milk", "Buy bread", "Call mum"))
    assert [milk["order"], bread["order"]] == [0, 65536]

    moved = client.post(f"/api/todos/{mum['id']}/move", json={"before": milk["id"]}, headers=alice)

    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] == '"2"'
    assert moved.json()["order"] < milk["order"]
    assert _titles(client, alice) == ["Call mum", "Buy milk", "Buy bread"]
    client.post(f"/api/todos/{mum['id']}/move", json={"to": "end"}, headers=alice)
    client.post(f"/api/todos/{bread['id']}/move", json={"after": mum["id"]}, headers=alice)
    assert _titles(client, alice) == ["Buy milk", "Call mum", "Buy bread"]


def test_the_order_pages_with_cursors_both_ways(
    client: TestClient, alice: Headers, create: Create
) -> None:
    for n in range(5):
        create(title=f"t{n}", order=(n * 7) % 5)  # 0, 2, 4, 1, 3
    expected = {"asc": ["t0", "t3", "t1", "t4", "t2"], "desc": ["t2", "t4", "t1", "t3", "t0"]}
    for direction, titles in expected.items():
        seen: list[str] = []
        params: dict[str, Any] = {"sort": f"order:{direction}", "limit": 2}
        while True:
            page = client.get("/api/todos", params=params, headers=alice).json()
            seen += [todo["title"] for todo in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == titles


def test_an_order_is_set_on_create_and_by_patch_with_if_match(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todo = create(order=-MAX_SAFE_INTEGER)
    assert todo["order"] == -MAX_SAFE_INTEGER
    url = f"/api/todos/{todo['id']}"
    stale = client.patch(url, json={"order": 5}, headers={**alice, "If-Match": '"9"'})
    assert stale.status_code == 412
    patched = client.patch(url, json={"order": 5}, headers={**alice, "If-Match": '"1"'})
    assert (patched.json()["order"], patched.headers["etag"]) == (5, '"2"')


@pytest.mark.parametrize(
    "order", [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, "5", 1.5, True, None]
)
def test_an_order_that_is_not_a_safe_integer_is_422(
    client: TestClient, alice: Headers, create: Create, order: object
) -> None:
    todo = create()
    for response in (
        client.post("/api/todos", json={"title": "x", "order": order}, headers=alice),
        client.patch(f"/api/todos/{todo['id']}", json={"order": order}, headers=alice),
    ):
        if order is None and response.request.method == "POST":
            assert response.status_code == 201  # null on create: placed by the service
            continue
        assert [loc for loc, _ in _issues(response)] == [["body", "order"]]


@pytest.mark.parametrize(
    "body",
    [{}, {"to": "middle"}, {"before": None}, {"to": "start", "after": "x"}, {"order": 3}],
)
def test_a_move_says_exactly_one_place(
    client: TestClient, alice: Headers, create: Create, body: dict[str, Any]
) -> None:
    todo = create()
    response = client.post(f"/api/todos/{todo['id']}/move", json=body, headers=alice)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_move_never_reveals_or_touches_anothers_todos(
    client: TestClient, alice: Headers, bob: Headers, create: Create
) -> None:
    mine = create()
    theirs = create(headers=bob)
    missing = "0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"

    next_to_theirs = client.post(
        f"/api/todos/{mine['id']}/move", json={"after": theirs["id"]}, headers=alice
    )
    next_to_nothing = client.post(
        f"/api/todos/{mine['id']}/move", json={"after": missing}, headers=alice
    )
    assert _issues(next_to_theirs) == _issues(next_to_nothing)
    assert _issues(next_to_theirs)[0][0] == ["body", "after"]
    moving_theirs = client.post(
        f"/api/todos/{theirs['id']}/move", json={"to": "end"}, headers=alice
    )
    assert moving_theirs.status_code == 404
    assert client.get(f"/api/todos/{theirs['id']}", headers=bob).json() == theirs


def test_clear_completed_deletes_only_the_callers_completed_todos(
    client: TestClient, alice: Headers, bob: Headers, create: Create
) -> None:
    for n in range(3):
        create(title=f"done {n}", completed=True)
    create(title="open")
    bobs = create(headers=bob, completed=True)

    response = client.delete("/api/todos", params={"completed": "true"}, headers=alice)

    assert (response.status_code, response.json()) == (200, {"deleted": 3})
    assert _titles(client, alice) == ["open"]
    assert client.get(f"/api/todos/{bobs['id']}", headers=bob).status_code == 200


def test_a_misspelt_filter_on_a_bulk_delete_is_422_and_deletes_nothing(
    client: TestClient, alice: Headers, create: Create
) -> None:
    create(title="keep me")
    misspelt = client.delete("/api/todos", params={"complete": "true"}, headers=alice)
    assert [loc for loc, _ in _issues(misspelt)] == [["query", "complete"]]
    too_long = client.delete("/api/todos", params={"q": "x" * 201}, headers=alice)
    assert [loc for loc, _ in _issues(too_long)] == [["query", "q"]]
    assert _titles(client, alice) == ["keep me"]


def test_mark_all_as_complete_and_its_undo(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todos = [create(title=f"t{n}") for n in range(3)]

    done = client.patch("/api/todos", json={"completed": True}, headers=alice)
    assert (done.status_code, done.json()) == (200, {"updated": 3})
    again = client.patch("/api/todos", json={"completed": True}, headers=alice)
    assert again.json() == {"updated": 0}
    first = client.get(f"/api/todos/{todos[0]['id']}", headers=alice).json()
    assert (first["completed"], first["version"]) == (True, 2)
    undo = client.patch("/api/todos", params={"q": "t1"}, json={"completed": False}, headers=alice)
    assert undo.json() == {"updated": 1}


@pytest.mark.parametrize("body", [{"title": "same for all"}, {"order": 1}, {"completed": None}])
def test_a_bulk_change_takes_only_what_suits_many_todos(
    client: TestClient, alice: Headers, create: Create, body: dict[str, Any]
) -> None:
    create()
    response = client.patch("/api/todos", json=body, headers=alice)
    assert [loc[0] for loc, _ in _issues(response)] == ["body"]


def test_every_todo_carries_a_url_that_reaches_it(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todo = create()
    assert list(todo)[:2] == ["id", "url"]
    url = todo["url"]

    assert client.get(url, headers=alice).json() == todo
    listed = client.get("/api/todos", headers=alice).json()["items"]
    assert [item["url"] for item in listed] == [url]
    patched = client.patch(url, json={"title": "followed"}, headers=alice)
    assert patched.json()["url"] == url
    assert client.delete(url, headers=alice).status_code == 204


def test_the_url_comes_from_the_configured_base_never_from_the_request(
    container: Container, alice: Headers
) -> None:
    base = "https://todo.example.com/v1"
    app = create_app(container, public_base_url=base)
    with TestClient(app, base_url="http://internal:8000") as sut:
        forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
        response = sut.post("/api/todos", json={"title": "x"}, headers={**alice, **forged})
    todo = response.json()
    assert todo["url"] == f"{base}/api/todos/{todo['id']}"
    assert response.headers["location"] == f"/v1/api/todos/{todo['id']}"
