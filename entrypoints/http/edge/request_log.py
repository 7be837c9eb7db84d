import hashlib
import itertools
import logging
import re
import secrets
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_service.entrypoints.http.problems.handlers import unexpected_error_response

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


def route_template(scope: Scope) -> str:
    """The matched route's template (`/api/todos/{todo_id}`), else `unmatched`: never the path."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


# The scope's state key under which the connection records the status it answered with
# itself, in the app's stead (GuardedHttpProtocol: a body that came too late is 408,
# whatever the app, told the client left, went on to answer nobody).
SERVER_ANSWER = "server_answer"

# Told of each answered request: its scope, status and duration in seconds (the metrics).
ResponseObserver = Callable[[Scope, int, float], None]


class RequestLogMiddleware:
    """One access log line per request, and an `X-Request-ID` on every response.

    The id is the client's `X-Request-ID` when it is 1-64 of `A-Za-z0-9._:-`, else a
    new one. The line holds the id, method, route template, status and duration:
    never the raw path, query, headers or body, which carry tokens and search text.
    A request that fails before answering gets the 500 problem here, with its id.
    An `observer`, when given, is told of every request with the same status and
    duration as the line (the metrics, timed once); without one nothing else runs.
    """

    def __init__(self, app: ASGIApp, observer: ResponseObserver | None = None) -> None:
        self._app = app
        self._observer = observer

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
            # What the client got, when the server answered for the app (a late body).
            status = scope["state"].get(SERVER_ANSWER, status)
            log = access_log.isEnabledFor(logging.INFO)
            if log or self._observer is not None:
                seconds = time.perf_counter() - started
                if self._observer is not None:
                    self._observer(scope, status or 500, seconds)
                if log:
                    self._log(scope, request_id, status or 500, seconds)

    @staticmethod
    def _log(scope: Scope, request_id: str, status: int, seconds: float) -> None:
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope["method"],
                "route": route_template(scope),
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
