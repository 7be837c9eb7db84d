"""The interactive docs load nothing but the service's own URLs (no CDN, no validator)."""

import re

import pytest
from fastapi.testclient import TestClient

from todo_service.entrypoints.storage import MemoryStorage, Storage

# The page's URLs: attributes, and the schema's in Swagger UI's `url: '...'`.
_REFERENCES = re.compile(r"""(?:src|href)="([^"]*)"|\burl: '([^']*)'""")

CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


@pytest.fixture
def storage() -> Storage:
    return MemoryStorage()


def references(html: str) -> list[str]:
    return [first or second for first, second in _REFERENCES.findall(html)]


def test_the_docs_page_references_only_the_services_own_assets_and_they_answer(
    client: TestClient,
) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = references(response.text)
    names = {url.rsplit("/", 1)[-1] for url in urls}
    assert names == {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png", "openapi.json"}
    assert "http" not in response.text.lower()
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert len(asset.content) > 0, url


def test_swagger_ui_is_told_not_to_call_the_public_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_the_docs_page_and_its_assets_stay_out_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert not [path for path in paths if path.startswith("/docs")]


def test_a_missing_asset_is_a_problem_json_404(client: TestClient) -> None:
    response = client.get("/docs-assets/no-such-file.js")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_root_leads_to_the_docs_without_trusting_the_host_header(client: TestClient) -> None:
    response = client.get("/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "docs"
    assert client.get("/").url.path == "/docs"


def test_the_authorize_dialog_says_where_a_token_comes_from_and_to_leave_out_bearer(
    client: TestClient,
) -> None:
    scheme = client.get("/openapi.json").json()["components"]["securitySchemes"]["bearer"]
    assert "without `Bearer `" in scheme["description"]
    assert "todo mint-token --sub" in scheme["description"]
