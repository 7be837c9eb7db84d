import hashlib
import itertools
import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_service.entrypoints.http.errors import unexpected_error_response

REQUEST_ID_HEADER = b"x-request-id"
# A client's id is kept only if it cannot smuggle anything into a log or a header.
_ACCEPTED_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")

access_log = logging.getLogger("todo.access")

# A counter hashed under a key of the process's own: unique and as unguessable as a
# uuid4 (a bare counter would tell clients how busy the service is), for a third of
# its cost, with no trip to the kernel's random source per request. uvicorn spawns
# its workers, so each draws its own key (a forking server would have to re-key).
_PROCESS_KEY = secrets.token_bytes(32)
_SEQUENCE = itertools.count(1)


def _request_id(scope: Scope) -> str:
    value: bytes
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _ACCEPTED_REQUEST_ID.fullmatch(value):
            return value.decode("ascii")
    number = next(_SEQUENCE).to_bytes(8, "big")
    return hashlib.blake2b(number, key=_PROCESS_KEY, digest_size=16).hexdigest()


def _route(scope: Scope) -> str:
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestLogMiddleware:
    """One access log line per request, and an `X-Request-ID` on every response.

    The id is the client's `X-Request-ID` when it is 1-64 of `A-Za-z0-9._:-`, else a
    new one. The line holds the id, method, route template, status and duration:
    never the raw path, query, headers or body, which carry tokens and search text.
    A request that fails before answering gets the 500 problem here, with its id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != REQUEST_ID_HEADER]
                message["headers"] = [*headers, (REQUEST_ID_HEADER, request_id.encode("ascii"))]
            await send(message)

        try:
            await self._app(scope, receive, send_with_id)
        except Exception:
            if status is None:
                await unexpected_error_response()(scope, receive, send_with_id)
            raise
        finally:
            if access_log.isEnabledFor(logging.INFO):
                self._log(scope, request_id, status, started)

    @staticmethod
    def _log(scope: Scope, request_id: str, status: int | None, started: float) -> None:
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope["method"],
                "route": _route(scope),
                "status": status or 500,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
