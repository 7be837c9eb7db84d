"""What a browser is told about every answer: per-user data is never shared, nothing is sniffed."""

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from todo_service.entrypoints.storage import MemoryStorage, Storage

API_PATHS = ["/api/todos", "/api/users/me", "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"]
OTHER_PATHS = ["/healthz", "/readyz", "/docs", "/openapi.json", "/docs-assets/swagger-ui.css"]


@pytest.fixture
def storage() -> Storage:
    # The headers are the edge's, whatever the storage: one backend says as much as four.
    return MemoryStorage()


@pytest.mark.parametrize("token", [True, False], ids=["with a token", "without"])
@pytest.mark.parametrize("path", API_PATHS)
def test_every_api_answer_is_private_revalidated_and_varies_by_the_token(
    client: TestClient, alice: Headers, path: str, token: bool
) -> None:
    response = client.get(path, headers=alice if token else {})

    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Authorization"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [*OTHER_PATHS, "/nothing-here"])
def test_every_other_answer_is_never_sniffed_and_leaves_caching_alone(
    client: TestClient, path: str
) -> None:
    response = client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert "private" not in response.headers.get("cache-control", "")


def test_the_docs_page_allows_its_own_assets_and_its_one_inline_script_and_no_frame(
    client: TestClient,
) -> None:
    response = client.get("/docs")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    inline = re.findall(r"<script>(.*?)</script>", response.text, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()

    assert len(inline) == 1
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "path",
    [
        "/api/todos/",
        "/api/users/me/",
        "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10/",
        "/healthz/",
        "/docs/",
    ],
)
def test_a_trailing_slash_is_a_404_never_a_redirect_to_the_host_header(
    client: TestClient, alice: Headers, path: str
) -> None:
    response = client.get(path, headers={**alice, "Host": "evil.example"}, follow_redirects=False)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "location" not in response.headers
