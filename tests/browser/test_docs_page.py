"""/docs as a client author uses it: authorize, then create and list todos with "Try it out"."""

import json
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ARTIFACTS, LiveService

SCREENSHOT = ARTIFACTS / "docs-page.png"
TITLE = "Water the plants from the docs page"


def authorize(page: Page, token: str) -> None:
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.get_by_label("auth-bearer-value").fill(token)
    dialog.get_by_role("button", name="Apply credentials").click()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()


def try_it_out(page: Page, operation_id: str, body: dict[str, Any] | None = None) -> Locator:
    """Expand an operation, fill its body, execute it; the live response it shows."""
    operation = page.locator(f"#operations-todos-{operation_id}")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    if body is not None:
        operation.locator("textarea.body-param__text").fill(json.dumps(body))
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table .response")
    expect(response).to_have_count(1)
    return response


def shown_json(response: Locator) -> Any:
    return json.loads(
        response.locator(".response-col_description .highlight-code pre").inner_text()
    )


def test_an_author_authorizes_creates_and_lists_todos_with_the_offline_docs_page(
    page: Page, live_service: LiveService, outside_requests: list[str]
) -> None:
    token = live_service.cli("mint-token", "--sub", "docs-reader", "--ttl", "300")
    page.goto(f"{live_service.url}/docs")
    expect(page.locator(".info .title")).to_contain_text("Todo service")

    authorize(page, token)
    created = try_it_out(page, "createTodo", {"title": TITLE})
    expect(created.locator(".response-col_status")).to_have_text("201")
    todo = shown_json(created)
    created.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT)
    listed = try_it_out(page, "listTodos")
    expect(listed.locator(".response-col_status")).to_have_text("200")
    page_of_todos = shown_json(listed)

    assert (todo["title"], todo["version"], todo["completed"]) == (TITLE, 1, False)
    assert page_of_todos["items"] == [todo]
    assert outside_requests == []
