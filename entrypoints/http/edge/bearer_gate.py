from collections.abc import Iterable, Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_service.application import AuthenticationUnavailableError, InvalidTokenError
from todo_service.entrypoints.http.auth import (
    MissingCredentialsError,
    bearer_caller,
    bearer_scheme,
    verified_claims,
)
from todo_service.entrypoints.http.edge.recent_refusals import RecentRefusals
from todo_service.entrypoints.http.problems.causes import PROBLEM_CAUSE, problem_cause
from todo_service.entrypoints.http.problems.handlers import problem_for


class BearerGate:
    """Refuse up front a request to an authenticated route that carries no bearer token,
    whose token the rate limit refused moments ago (`RecentRefusals`), or that announces
    a body and carries a token that does not verify.

    FastAPI reads a route's body before it solves its dependencies, `bearer_caller`
    included: a body sent a byte at a time with a garbage token held its connection for
    as long as the body took. Here the token is checked first (the verdict is cached,
    so the route's own check costs a lookup), and the refusal ends the connection
    without waiting for the body (GuardedHttpProtocol).

    The routes' own dependency (`bearer_caller`) and the use cases' rate limits stay
    the authority and refuse the same requests the same way; the gate only answers
    them before FastAPI's stack (routing, dependency solving, exception handlers),
    which costs several times what the refusal does: anonymous traffic is the
    cheapest to send and the first a flood is made of, and a refused caller's retries
    the next. Which of the routes it is given need a token is read from their
    dependencies, and which may be rate limited from their documented answers (429),
    so a new route on the app's routers (`app.ROUTERS`) cannot be left out; any
    other path or method is passed on and gets its 404 or 405.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], refusals: RecentRefusals) -> None:
        self._app = app
        self._guarded = [route for route in routes if _needs_bearer(route)]
        self._limited = {id(route) for route in self._guarded if _may_be_rate_limited(route)}
        self._refusals = refusals
        error = MissingCredentialsError()
        self._refusal = problem_for(error)
        self._cause = problem_cause(error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self._guarded_route(scope)
            if route is not None:
                refusal = await self._refusal_for(route, scope)
                if refusal is not None:
                    scope["route"] = route  # for the request log, as routing would have set it
                    await refusal(scope, receive, send)
                    return
        await self._app(scope, receive, send)

    async def _refusal_for(self, route: BaseRoute, scope: Scope) -> Response | None:
        credentials = await bearer_scheme(HTTPConnection(scope))
        if credentials is None:
            scope.setdefault("state", {})[PROBLEM_CAUSE] = self._cause  # for the metrics
            return self._refusal
        if id(route) in self._limited:
            limited = self._refusals.refusal(credentials.credentials, scope["method"])
            if limited is not None:
                return problem_for(limited)
        if _announces_body(scope):
            authenticate = scope["app"].state.container.authenticate()
            try:
                await verified_claims(authenticate, credentials.credentials)
            except (InvalidTokenError, AuthenticationUnavailableError) as error:
                scope.setdefault("state", {})[PROBLEM_CAUSE] = problem_cause(error)
                return problem_for(error)
        return None

    def _guarded_route(self, scope: Scope) -> BaseRoute | None:
        for route in self._guarded:
            if route.matches(scope)[0] is Match.FULL:
                return route
        return None


def _announces_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() != b"0") or name == b"transfer-encoding":
            return True
    return False


def _may_be_rate_limited(route: BaseRoute) -> bool:
    return isinstance(route, APIRoute) and 429 in route.responses


def _needs_bearer(route: BaseRoute) -> bool:
    return isinstance(route, APIRoute) and any(
        dependant.call is bearer_caller for dependant in _dependants(route.dependant)
    )


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)
