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
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
