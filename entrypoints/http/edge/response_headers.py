from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_service.entrypoints.http.edge.cors_preflight import CorsPolicy, cors_response_headers

API_PREFIX = "/api/"
NOSNIFF = (b"x-content-type-options", b"nosniff")
# One user's data: no shared cache may keep it, and a browser asks again before reusing it.
PER_USER = (b"cache-control", b"private, no-cache")


class ResponseHeadersMiddleware:
    """The headers that tell a browser how to treat every answer, the edge's own included.

    - `X-Content-Type-Options: nosniff` on all: a body is only ever its declared type.
    - `/api/*` answers are one user's: `Cache-Control: private, no-cache` and
      `Vary: Authorization` (docs/adr/0017).
    - With a CORS policy, `Vary: Origin` too, and CORS's headers when the `Origin` is
      allowed (`cors.py`), on every status: a 500 without them is, to the page, a
      failure it cannot even read.

    The outermost layer, so that the 500 the request log answers passes through it.
    The pairs are built once; a request costs a list and, with CORS, a header lookup.
    """

    def __init__(self, app: ASGIApp, cors: CorsPolicy | None = None) -> None:
        self._app = app
        vary = b"Authorization, Origin" if cors is not None else b"Authorization"
        self._api = [NOSNIFF, PER_USER, (b"vary", vary)]
        self._other = [NOSNIFF] if cors is None else [NOSNIFF, (b"vary", b"Origin")]
        self._cors = None if cors is None else cors_response_headers(cors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        added = self._api if _route_path(scope).startswith(API_PREFIX) else self._other
        if self._cors is not None:
            added = [*added, *self._cors(scope)]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A new list: a response object may be answered again (the gate's 401).
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self._app(scope, receive, send_with_headers)


def _route_path(scope: Scope) -> str:
    """The path below the app's root (behind a proxy that mounts it at `--root-path`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
