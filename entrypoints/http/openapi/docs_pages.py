import base64
import hashlib
import re
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

# Swagger UI as released, from the pinned fastapi-offline wheel: no CDN, no copies in the repo.
# (Its ReDoc is not served: ReDoc 2 fetches its footer logo from Redocly's CDN.)
ASSETS_DIRECTORY = str(files("fastapi_offline").joinpath("static"))
ASSETS_URL = "/docs-assets"

# The page's one inline script, which starts Swagger UI with the page's own options.
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    # No badge fetched from validator.swagger.io, which also sends it our schema.
    "validatorUrl": None,
    "displayRequestDuration": True,
}


def add_docs_pages(app: FastAPI) -> None:
    """Serve `/docs` (Swagger UI) with every asset from the service itself; `/` leads there.

    The app must be created with `docs_url=None, redoc_url=None`; the page loads
    nothing but the service's own URLs, so it works without internet.
    """
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIRECTORY), name="docs-assets")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        # Relative, so the Host header (which a client chooses) never picks the target.
        return RedirectResponse("docs", status_code=307)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
        page.headers["Content-Security-Policy"] = content_security_policy(bytes(page.body))
        return page


def content_security_policy(page: bytes) -> str:
    """The service's own assets, the page's inline script by its hash, and never in a frame.

    Swagger UI's stylesheet draws its icons from `data:` images; "Try it out" calls the
    service itself.
    """
    scripts = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src 'self' {scripts}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
