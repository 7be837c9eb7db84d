from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_service.entrypoints.http.allowed_methods import methods_at
from todo_service.entrypoints.http.problems.details import problem_response
from todo_service.entrypoints.settings import Settings

# What a page's script may send beyond the CORS-safelisted headers, and may read beyond them.
REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Request-ID",
)
EXPOSED_HEADERS = (
    "ETag",
    "Location",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "X-Request-ID",
)

HeaderPairs = Sequence[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """The origins whose pages' scripts may call the service from a browser, and nothing else.

    Origins match exactly, as a browser sends them; a page of any other origin gets no
    `Access-Control-Allow-Origin`, so its browser keeps every answer from it. Credentials
    (cookies, HTTP authentication) are never allowed: a bearer token is sent by the
    script itself and needs none.
    """

    allow_origins: frozenset[str]
    max_age_seconds: int = 600

    @classmethod
    def from_settings(cls, settings: Settings) -> "CorsPolicy | None":
        """CORS_ALLOW_ORIGINS' policy; None (no CORS header at all) when it is unset."""
        if not settings.cors_allow_origins:
            return None
        return cls(frozenset(settings.cors_allow_origins), settings.cors_max_age_seconds)


def cors_response_headers(policy: CorsPolicy) -> Callable[[Scope], HeaderPairs]:
    """The CORS headers of any answer to a request: none unless its `Origin` is allowed."""
    exposed = (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode())
    allowed = {
        origin.encode(): ((b"access-control-allow-origin", origin.encode()), exposed)
        for origin in policy.allow_origins
    }

    def headers_for(scope: Scope) -> HeaderPairs:
        for name, value in scope["headers"]:
            if name == b"origin":
                return allowed.get(value, ())
        return ()

    return headers_for


class CorsPreflight:
    """Answer a browser's preflight (OPTIONS with `Origin` and `Access-Control-Request-Method`).

    An allowed origin gets a 204 naming the methods the path's routes take (as a 405's
    `Allow` does), the request headers the API reads and the policy's max-age; its
    `Access-Control-Allow-Origin` comes with every other answer's, from the headers layer
    (`response_headers.py`). Another origin gets a 403 problem, which its browser keeps
    from the page. A path no route takes, and any other OPTIONS, go on to their 404 or 405.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], policy: CorsPolicy) -> None:
        self._app = app
        self._routes = list(routes)
        self._origins = {origin.encode() for origin in policy.allow_origins}
        self._headers = {
            "Access-Control-Allow-Headers": ", ".join(REQUEST_HEADERS),
            "Access-Control-Max-Age": str(policy.max_age_seconds),
        }
        self._refusal = problem_response(403, "Pages of this origin may not call the API")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            origin = _preflight_origin(scope)
            methods = [] if origin is None else methods_at(scope, self._routes)
            if methods:
                scope["route"] = self._route(scope)  # for the request log and the metrics
                await self._answer(origin, methods)(scope, receive, send)
                return
        await self._app(scope, receive, send)

    def _answer(self, origin: bytes | None, methods: list[str]) -> Response:
        if origin not in self._origins:
            return self._refusal
        headers = {**self._headers, "Access-Control-Allow-Methods": ", ".join(methods)}
        return Response(status_code=204, headers=headers)

    def _route(self, scope: Scope) -> BaseRoute | None:
        matching = (route for route in self._routes if route.matches(scope)[0] is not Match.NONE)
        return next(matching, None)


def _preflight_origin(scope: Scope) -> bytes | None:
    """The `Origin` of a preflight; None for any other request."""
    origin = None
    requested = False
    for name, value in scope["headers"]:
        if name == b"origin":
            origin = value
        elif name == b"access-control-request-method":
            requested = True
    return origin if requested else None
