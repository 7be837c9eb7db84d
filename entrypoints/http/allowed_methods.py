from fastapi import Request
from starlette.routing import Match

# The methods a route can be declared with; any other is a client's invention.
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """A 405's `Allow`: every method some route of the app takes at the request's path."""

    # Starlette's Allow names only the first route matching the path, not all of them.
    def allowed(method: str) -> bool:
        scope = {**request.scope, "method": method}
        return any(route.matches(scope)[0] is Match.FULL for route in request.app.routes)

    return ", ".join(method for method in METHODS if allowed(method))
