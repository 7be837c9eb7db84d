from collections.abc import Iterable, Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_service.entrypoints.http.auth import MissingCredentialsError, bearer_caller, bearer_scheme
from todo_service.entrypoints.http.error_table import spec_for
from todo_service.entrypoints.http.problem_causes import PROBLEM_CAUSE, problem_cause
from todo_service.entrypoints.http.problem_details import problem_response


class BearerGate:
    """Refuse a request to an authenticated route that carries no bearer token, up front.

    The routes' own dependency (`bearer_caller`) stays the authority and refuses the
    same requests the same way; the gate only answers them before FastAPI's stack
    (routing, dependency solving, exception handlers), which costs several times
    what the refusal does: anonymous traffic is the cheapest to send and the first
    a flood is made of. Which of the routes it is given need a token is read from
    their dependencies, so a new route on the app's routers (`app.ROUTERS`) cannot
    be left out; any other path or method is passed on and gets its 404 or 405.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self._app = app
        self._guarded = [route for route in routes if _needs_bearer(route)]
        error = MissingCredentialsError()
        spec = spec_for(error)
        self._refusal = problem_response(spec.status, str(error), spec.headers)
        self._cause = problem_cause(error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self._guarded_route(scope)
            if route is not None and await bearer_scheme(HTTPConnection(scope)) is None:
                scope["route"] = route  # for the request log, as routing would have set it
                scope.setdefault("state", {})[PROBLEM_CAUSE] = self._cause  # and the metrics
                await self._refusal(scope, receive, send)
                return
        await self._app(scope, receive, send)

    def _guarded_route(self, scope: Scope) -> BaseRoute | None:
        for route in self._guarded:
            if route.matches(scope)[0] is Match.FULL:
                return route
        return None


def _needs_bearer(route: BaseRoute) -> bool:
    return isinstance(route, APIRoute) and any(
        dependant.call is bearer_caller for dependant in _dependants(route.dependant)
    )


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)
