from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from tests.factories import FixedClock

Create = Callable[..., dict[str, Any]]
PRIORITY_RANK = {"low": 0, "medium": 1, "high": 2}


@pytest.fixture
def todos(create: Create, clock: FixedClock) -> list[dict[str, Any]]:
    """Five todos with distinct creation times, some sharing sort values."""
    specs: list[dict[str, Any]] = [
        {"title": "banana", "priority": "high", "due_at": "2026-12-03T00:00:00Z"},
        {"title": "Apple 100%", "priority": "low"},
        {"title": "cherry", "priority": "medium", "due_at": "2026-12-01T00:00:00Z"},
        {"title": "apple_pie", "priority": "high", "completed": True},
        {"title": "date", "priority": "low", "due_at": "2026-12-02T00:00:00Z"},
    ]
    created = []
    for spec in specs:
        clock.advance(60)
        created.append(create(**spec))
    return created


def _titles(client: TestClient, headers: Headers, **params: Any) -> list[str]:
    response = client.get("/api/todos", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def _expected_order(todos: list[dict[str, Any]], field: str, descending: bool) -> list[str]:
    def value(todo: dict[str, Any]) -> Any:
        raw = todo[field]
        return PRIORITY_RANK[raw] if field == "priority" else raw

    present = [t for t in todos if t[field] is not None]
    missing = [t for t in todos if t[field] is None]
    ordered = sorted(present, key=lambda t: (value(t), t["id"]), reverse=descending)
    ordered += sorted(missing, key=lambda t: t["id"], reverse=descending)
    return [t["title"] for t in ordered]


def test_the_default_order_is_newest_first(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]]
) -> None:
    page = client.get("/api/todos", headers=alice).json()
    assert [item["title"] for item in page["items"]] == [t["title"] for t in reversed(todos)]
    assert (page["total"], page["limit"], page["offset"], page["next_cursor"]) == (5, 20, 0, None)


@pytest.mark.parametrize("field", ["created_at", "updated_at", "due_at", "priority", "title"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_sort_field_orders_both_ways_with_ties_by_id_and_missing_due_dates_last(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]], field: str, direction: str
) -> None:
    expected = _expected_order(todos, field, descending=direction == "desc")
    assert _titles(client, alice, sort=f"{field}:{direction}") == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"completed": "true"}, {"apple_pie"}),
        ({"completed": "false"}, {"banana", "Apple 100%", "cherry", "date"}),
        ({"priority": "high"}, {"banana", "apple_pie"}),
        ({"q": "APPLE"}, {"Apple 100%", "apple_pie"}),
        ({"q": "%"}, {"Apple 100%"}),
        ({"q": "_"}, {"apple_pie"}),
        ({"due_before": "2026-12-02T00:00:00Z"}, {"cherry"}),
        ({"due_after": "2026-12-02T00:00:00+00:00"}, {"banana"}),
        ({"due_after": "2026-12-01T00:00:00Z", "due_before": "2026-12-03T00:00:00Z"}, {"date"}),
        ({"priority": "low", "q": "date"}, {"date"}),
        ({"unknown": "ignored"}, {"banana", "Apple 100%", "cherry", "apple_pie", "date"}),
    ],
)
def test_filters_narrow_the_listing_and_its_total(
    client: TestClient,
    alice: Headers,
    todos: list[dict[str, Any]],
    params: dict[str, str],
    expected: set[str],
) -> None:
    page = client.get("/api/todos", params=params, headers=alice).json()
    assert {item["title"] for item in page["items"]} == expected
    assert page["total"] == len(expected)


def test_offset_pages_cover_the_listing_once(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]]
) -> None:
    pages = [_titles(client, alice, sort="title:asc", limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert pages[3] == []
    assert [t for page in pages for t in page] == _expected_order(todos, "title", False)


@pytest.mark.parametrize("sort", ["due_at:asc", "priority:desc", "created_at:desc"])
def test_cursor_pages_walk_the_whole_listing_without_gaps_or_repeats(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]], sort: str
) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"sort": sort, "limit": 2}
    while True:
        page = client.get("/api/todos", params=params, headers=alice).json()
        seen += [item["title"] for item in page["items"]]
        assert page["total"] == 5
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    field, _, direction = sort.partition(":")
    assert seen == _expected_order(todos, field, descending=direction == "desc")


def _tampered(cursor: str) -> str:
    middle = len(cursor) // 2
    return cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]


def test_a_cursor_is_refused_for_another_user_or_another_listing(
    client: TestClient, alice: Headers, bob: Headers, todos: list[dict[str, Any]]
) -> None:
    cursor = client.get("/api/todos", params={"limit": 2}, headers=alice).json()["next_cursor"]
    refusals = [
        client.get("/api/todos", params={"limit": 2, "cursor": cursor}, headers=bob),
        client.get("/api/todos", params={"cursor": cursor, "sort": "title:asc"}, headers=alice),
        client.get("/api/todos", params={"cursor": _tampered(cursor)}, headers=alice),
        client.get("/api/todos", params={"cursor": cursor, "offset": 2}, headers=alice),
    ]
    for response in refusals:
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "owner_id:asc"}, "sort"),
        ({"sort": "title"}, "sort"),
        ({"sort": "title:up"}, "sort"),
        ({"sort": "title:asc; DROP TABLE todos"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"completed": "maybe"}, "completed"),
        ({"priority": "urgent"}, "priority"),
        ({"due_before": "2026-12-01T00:00:00"}, "due_before"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_listing_parameters_are_422_naming_the_parameter(
    client: TestClient, alice: Headers, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/todos", params=params, headers=alice)
    assert response.status_code == 422
    assert ["query", field] in [issue["loc"] for issue in response.json()["errors"]]
