from collections.abc import Iterable

from fastapi import Request
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

# The methods a route can be declared with; any other is a client's invention.
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def methods_at(scope: Scope, routes: Iterable[BaseRoute]) -> list[str]:
    """Every method some of `routes` takes at the scope's path (a 405's `Allow`, a preflight's)."""

    # Starlette's Allow names only the first route matching the path, not all of them.
    def allowed(method: str) -> bool:
        probe = {**scope, "method": method}
        return any(route.matches(probe)[0] is Match.FULL for route in routes)

    return [method for method in METHODS if allowed(method)]


def allowed_methods(request: Request) -> str:
    """A 405's `Allow`: every method some route of the app takes at the request's path."""
    return ", ".join(methods_at(request.scope, request.app.routes))
