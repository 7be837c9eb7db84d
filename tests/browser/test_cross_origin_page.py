"""A front end on another origin keeps and orders todos with fetch(); one of an origin not
listed cannot.

The service is a real `todo serve` with CORS_ALLOW_ORIGINS naming one page server's origin;
the pages are served from two other loopback ports, and their requests are not routed
(conftest.py's `open_page` says why).
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Origins, open_page, screenshot, token_for
from tests.support.live_service import auth_for

PLAN, ROOM, INVITES = "Write the plan", "Book the room", "Send the invites"


@pytest.fixture
def other_page(browser: Browser, api: str, origins: Origins, strays: list[str]) -> Iterator[Page]:
    yield from open_page(browser, origins.elsewhere, api, strays)


def test_a_page_of_the_listed_origin_keeps_todos_and_reads_etag_location_and_a_401(
    allowed_page: Page, api: str, strays: list[str], request: pytest.FixtureRequest
) -> None:
    seen: dict[str, Any] = allowed_page.evaluate("keepTodos", token_for("page-user"))
    screenshot(allowed_page, request, "cross-origin-page")

    created, listed = seen["created"], seen["listed"]
    assert (created["status"], created["etag"], created["body"]["version"]) == (201, '"1"', 1)
    assert created["location"] == f"/api/todos/{created['body']['id']}"
    assert [todo["id"] for todo in listed["body"]["items"]] == [created["body"]["id"]]
    assert (seen["changed"]["status"], seen["changed"]["etag"]) == (200, '"2"')
    assert seen["changed"]["body"]["priority"] == "high"
    assert seen["stale"]["status"] == 412
    assert (seen["toggled"]["status"], seen["toggled"]["etag"]) == (200, '"3"')
    assert seen["toggled"]["body"]["completed"] is True
    assert seen["deleted"]["status"] == 204
    refused = seen["refused"]
    assert (refused["status"], refused["body"]["status"]) == (401, 401)
    assert refused["body"]["title"] == "Unauthorized"
    assert refused["requestId"]
    assert strays == []


def test_a_page_of_the_listed_origin_moves_a_todo_to_the_top_and_clears_the_completed_ones(
    allowed_page: Page, api: str, strays: list[str], request: pytest.FixtureRequest
) -> None:
    token = token_for("ordering-user")
    arranged: dict[str, Any] = allowed_page.evaluate(
        "([token, titles]) => arrangeTodos(token, titles)", [token, [PLAN, ROOM, INVITES]]
    )
    allowed_page.reload()
    shown = allowed_page.locator("#todos li")
    expect(shown).to_have_text([INVITES, PLAN, ROOM])
    finished: dict[str, Any] = allowed_page.evaluate("completeTwoAndClear", token)
    expect(shown).to_have_text([ROOM])
    screenshot(allowed_page, request, "cross-origin-order")

    created = [answer["body"] for answer in arranged["created"]]
    assert all(todo["url"] == f"{api}/api/todos/{todo['id']}" for todo in created), created
    moved = arranged["moved"]
    assert (moved["status"], moved["body"]["id"]) == (200, created[-1]["id"])
    assert moved["body"]["order"] < created[0]["order"]
    followed, toggled = finished["followed"]["body"], finished["toggled"]["body"]
    assert (finished["followed"]["status"], finished["toggled"]["status"]) == (200, 200)
    assert [(todo["title"], todo["completed"]) for todo in (followed, toggled)] == [
        (INVITES, True),
        (PLAN, True),
    ]
    assert (finished["cleared"]["status"], finished["cleared"]["body"]) == (200, {"deleted": 2})
    assert [todo["title"] for todo in finished["left"]["body"]["items"]] == [ROOM]
    assert strays == []


def test_a_page_of_an_origin_not_listed_has_its_fetches_rejected_and_changes_nothing(
    other_page: Page, api: str, strays: list[str]
) -> None:
    token = token_for("other-page-user")
    create = other_page.evaluate(
        "([token]) => attempt('POST', '/api/todos', token, {body: {title: 'Not from here'}})",
        [token],
    )
    # A simple request, sent without a preflight: its answer comes, and is kept from the page.
    health = other_page.evaluate("attempt('GET', '/healthz', null)")

    assert create == health == "TypeError: Failed to fetch"
    todos = httpx.get(f"{api}/api/todos", headers=auth_for("other-page-user")).json()
    assert todos["total"] == 0
    assert strays == []
