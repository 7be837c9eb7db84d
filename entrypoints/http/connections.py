import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from todo_service.entrypoints.http.error_table import RETRY_AFTER_SECONDS
from todo_service.entrypoints.http.problem_details import PROBLEM_JSON
from todo_service.entrypoints.http.schemas import Problem
from todo_service.entrypoints.http.stopping import SERVER_STOPPING
from todo_service.entrypoints.summarized_log import SummarizedLog

SUMMARY_INTERVAL_SECONDS = 10
# How long a refused connection is kept to read what the client already sent: closing
# a socket with unread bytes sends a reset, which can destroy the 503 before it is read.
# Past MAX_LINGERING such connections at once (their descriptors are part of the
# reserve, server.DESCRIPTOR_RESERVE), a refused connection is closed at once.
REFUSED_LINGER_SECONDS = 1
MAX_LINGERING = 32

log = logging.getLogger("todo.connections")
_refused = SummarizedLog(
    log,
    logging.WARNING,
    "Refused %d connection(s) with 503: this worker holds MAX_CONNECTIONS already",
    SUMMARY_INTERVAL_SECONDS,
)
_timed_out = SummarizedLog(
    log,
    logging.INFO,
    "Closed %d connection(s) whose request head was not complete within "
    "REQUEST_HEAD_TIMEOUT_SECONDS",
    SUMMARY_INTERVAL_SECONDS,
)


def _overflow_response() -> bytes:
    problem = Problem(
        title="Service Unavailable",
        status=503,
        detail="The server holds as many connections as it may; retry later.",
    )
    body = json.dumps(problem.model_dump(exclude_none=True)).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        f"content-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(body)}\r\n"
        f"retry-after: {RETRY_AFTER_SECONDS}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


OVERFLOW_RESPONSE = _overflow_response()
# This worker's refused connections still open (one event loop per process).
_lingering: set["GuardedHttpProtocol"] = set()


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one worker allows its clients' connections (picklable: workers receive it)."""

    max_connections: int
    request_head_timeout_seconds: float


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the two limits on connections that uvicorn lacks.

    - **A request head must be complete in time**: within `request_head_timeout_seconds`
      of the connection opening, or of the first byte of a later request on it. uvicorn
      times out only the wait between requests (its keep-alive), so a client that
      connected and sent nothing, or a header line every few seconds, held its
      connection, and a descriptor, for ever.
    - **A worker holds at most `max_connections`**: one more is answered 503 at once
      (problem+json, `Retry-After`, `Connection: close`) and closed, before anything is
      parsed, so that slow clients cannot use up the process's descriptors. uvicorn's
      own `limit_concurrency` answers 503 only once a request head is complete, and so
      keeps every slow connection open until then.

    Both are logged summarized (`SummarizedLog`): a flood costs a line per interval.
    """

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._head_deadline: asyncio.TimerHandle | None = None
        self._linger: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self._limits.max_connections:
            self._refuse(transport)
            return
        super().connection_made(transport)
        self._start_head_deadline()

    def data_received(self, data: bytes) -> None:
        if self._linger is not None:
            # Refused: what the client sent is read, so closing now sends no reset.
            self.transport.close()
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_head_deadline()
        super().on_headers_complete()

    def shutdown(self) -> None:
        # uvicorn waits for each answer in progress: tell the streams to end theirs.
        SERVER_STOPPING.set()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        if self._linger is not None:
            self._linger.cancel()
            _lingering.discard(self)
        super().connection_lost(exc)

    def _refuse(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(OVERFLOW_RESPONSE)
        _refused.occurred()
        if len(_lingering) >= MAX_LINGERING:
            transport.close()
            return
        _lingering.add(self)
        self._linger = self.loop.call_later(REFUSED_LINGER_SECONDS, transport.close)

    def _start_head_deadline(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(
                self._limits.request_head_timeout_seconds, self._head_timed_out
            )

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
            _timed_out.occurred()
