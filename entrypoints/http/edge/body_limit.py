from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_service.entrypoints.http.problems.details import problem_response
from todo_service.entrypoints.http.request_limits import MAX_BODY_BYTES, BodyTooLargeError


class BodySizeLimitMiddleware:
    """Refuse request bodies over the limit (413), counting the bytes as they stream in.

    A declared Content-Length over the limit is refused before anything is read;
    a chunked or lying body is cut off as soon as it passes the limit. Nothing else
    in the stack limits request size, and bodies are read before authentication.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if self._declared_length(scope) > self._max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    # FastAPI re-raises HTTPExceptions met while reading the body, so
                    # this reaches the exception handlers as a problem+json 413.
                    raise BodyTooLargeError
            return message

        await self._app(scope, counting_receive, send)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLargeError()
        response = problem_response(error.status_code, error.detail, {"Connection": "close"})
        await response(scope, receive, send)
