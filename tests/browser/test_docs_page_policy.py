"""/docs under its Content-Security-Policy: the page works and violates none of it."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveService

# Every violation of the page's Content-Security-Policy, noted as it happens.
NOTE_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


def test_the_docs_page_renders_and_tries_an_operation_without_violating_its_policy(
    page: Page, live_service: LiveService, outside_requests: list[str]
) -> None:
    page.add_init_script(NOTE_VIOLATIONS)
    answer = page.goto(f"{live_service.url}/docs")
    health = page.locator(".opblock").filter(has_text="/healthz")
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    status = health.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("200")
    page.get_by_role("button", name="Authorize").first.click()
    expect(page.locator(".modal-ux")).to_be_visible()

    assert answer is not None
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.evaluate("window.cspViolations") == []
    assert outside_requests == []
