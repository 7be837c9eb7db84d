"""Two pages of one user on another origin: what one changes, the other shows as it
streams GET /api/todos/events with fetch(); stopped, then reconnected with Last-Event-ID,
it misses nothing that changed meanwhile.

Both pages are of the origin the service's CORS_ALLOW_ORIGINS lists (conftest.py), and
their requests are not routed: the stream's preflight, Last-Event-ID included, is
answered by the service itself.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Origins, open_page, screenshot, token_for
from tests.support.live_service import auth_for

# The service promises a second; the rest is room for a busy machine.
LIVE_TIMEOUT_MS = 5_000
USER = "live-user"
PLAN, ROOM, BIG_ROOM = "Write the plan", "Book the room", "Book the big room"
INVITES, INVITES_TODAY, LUNCH = "Send the invites", "Send the invites today", "Order lunch"


@pytest.fixture
def watching_page(
    browser: Browser, api: str, origins: Origins, strays: list[str]
) -> Iterator[Page]:
    yield from open_page(browser, origins.allowed, api, strays)


@dataclass
class TwoPages:
    """A page that changes the user's todos, and one that streams them."""

    writer: Page
    watcher: Page
    token: str
    delays: list[tuple[str, int]] = field(default_factory=list)

    def write(self, method: str, target: str, body: object = None) -> dict[str, Any]:
        """The writer's call (`target`: a path, or a todo's `url`); its answer and `sentAt`."""
        answer: dict[str, Any] = self.writer.evaluate(
            "([method, target, token, body]) => timedCall(method, target, token, body)",
            [method, target, self.token, body],
        )
        assert answer["status"] in (200, 201, 204), answer
        return answer

    def live(
        self, what: str, titles: list[str], method: str, target: str, body: object = None
    ) -> Any:
        """`write`, then wait for the watcher to list `titles`; notes how long that took,
        from the call's start to the event that made the list so. The todo answered (None
        for a delete)."""
        answer = self.write(method, target, body)
        expect(self.watcher.locator("#todos li")).to_have_text(titles, timeout=LIVE_TIMEOUT_MS)
        arrivals: list[dict[str, Any]] = self.watcher.evaluate("arrivals")
        shown_at = next(
            arrival["at"]
            for arrival in arrivals
            if arrival["at"] >= answer["sentAt"] and arrival["titles"] == titles
        )
        self.delays.append((what, shown_at - answer["sentAt"]))
        return answer["body"]

    def follow(self) -> object:
        """The watcher opens its stream (resuming, once it has seen an event)."""
        return self.watcher.evaluate("([token]) => follow(token)", [self.token])


def test_a_second_page_shows_each_change_live_and_after_a_pause_resumes_without_a_loss(
    allowed_page: Page,
    watching_page: Page,
    api: str,
    strays: list[str],
    request: pytest.FixtureRequest,
) -> None:
    pages = TwoPages(allowed_page, watching_page, token_for(USER))
    watched = watching_page.locator("#todos li")
    plan: dict[str, Any] = pages.write("POST", "/api/todos", {"title": PLAN})["body"]
    assert pages.follow() == 200
    expect(watched).to_have_text([PLAN], timeout=LIVE_TIMEOUT_MS)
    room = pages.live("create", [PLAN, ROOM], "POST", "/api/todos", {"title": ROOM})
    invites = pages.live("create", [PLAN, ROOM, INVITES], "POST", "/api/todos", {"title": INVITES})
    pages.live("edit", [PLAN, BIG_ROOM, INVITES], "PATCH", room["url"], {"title": BIG_ROOM})
    pages.live(
        "move", [INVITES, PLAN, BIG_ROOM], "POST", f"{invites['url']}/move", {"before": plan["id"]}
    )
    pages.live("delete", [INVITES, BIG_ROOM], "DELETE", plan["url"])

    last_seen: str = watching_page.evaluate("lastEventId")
    assert watching_page.evaluate("stopFollowing()").startswith("AbortError")
    pages.write("POST", "/api/todos", {"title": LUNCH})
    pages.write("PATCH", invites["url"], {"title": INVITES_TODAY})
    pages.write("DELETE", room["url"])
    with watching_page.expect_request(
        lambda sent: sent.url == f"{api}/api/todos/events" and sent.method == "GET"
    ) as reconnection:
        assert pages.follow() == 200
    listed = pages.writer.evaluate("([token]) => showTodos(token)", [pages.token])["body"]
    expect(watched).to_have_text([INVITES_TODAY, LUNCH], timeout=LIVE_TIMEOUT_MS)
    screenshot(watching_page, request, "live-updates")

    assert reconnection.value.all_headers()["last-event-id"] == last_seen
    assert [todo["title"] for todo in listed["items"]] == [INVITES_TODAY, LUNCH]
    assert watching_page.evaluate("shown") == listed["items"]
    arrivals: list[dict[str, Any]] = watching_page.evaluate("arrivals")
    assert all(arrival["id"] == arrival["changes"]["token"] for arrival in arrivals)
    # A restart instead of a resume would bring every todo and tombstone again, which
    # the list would survive: what came is what GET /changes answers for the same token.
    since = httpx.get(
        f"{api}/api/todos/changes", params={"token": last_seen}, headers=auth_for(USER)
    ).json()
    resumed = [arrival["changes"] for arrival in arrivals if arrival["stream"] == 2]
    assert [(page["todos"], page["deleted"]) for page in resumed] == [
        (since["todos"], since["deleted"])
    ]
    assert strays == []
    backend = request.node.callspec.params["api"]
    delays = ", ".join(f"{what} {ms} ms" for what, ms in pages.delays)
    print(f"{backend}: from the writer's call to the watcher's list: {delays}")
