import asyncio
import json
import logging
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from todo_service.entrypoints.http.edge.request_log import SERVER_ANSWER
from todo_service.entrypoints.http.problems.details import PROBLEM_JSON
from todo_service.entrypoints.http.problems.error_table import RETRY_AFTER_SECONDS
from todo_service.entrypoints.http.schemas import Problem
from todo_service.entrypoints.http.serving.stopping import SERVER_DRAINING, SERVER_STOPPING
from todo_service.entrypoints.summarized_log import SummarizedLog

SUMMARY_INTERVAL_SECONDS = 10
# How long a refused connection is kept to read what the client already sent: closing
# a socket with unread bytes sends a reset, which can destroy the 503 before it is read.
# Past MAX_LINGERING such connections at once (their descriptors are part of the
# reserve, server.DESCRIPTOR_RESERVE), a refused connection is closed at once.
REFUSED_LINGER_SECONDS = 1
MAX_LINGERING = 32
# What a request head may hold is fed to the parser in pieces of at most what is left of
# MAX_REQUEST_HEAD_BYTES, so that an oversized head is found as it arrives; never smaller
# than this, so that a body read with little room left is not fed a few bytes at a time.
MIN_PIECE_BYTES = 4096
# SO_LINGER on, for 0 seconds: closing the socket resets the connection.
RESET_ON_CLOSE = struct.pack("ii", 1, 0)

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
_late_bodies = SummarizedLog(
    log,
    logging.INFO,
    "Closed %d connection(s) whose request body was not complete within "
    "REQUEST_BODY_TIMEOUT_SECONDS (answered 408 unless already answered)",
    SUMMARY_INTERVAL_SECONDS,
)
_slow_readers = SummarizedLog(
    log,
    logging.INFO,
    "Closed %d connection(s) that took none of their answer for SEND_TIMEOUT_SECONDS",
    SUMMARY_INTERVAL_SECONDS,
)
_oversized = SummarizedLog(
    log,
    logging.INFO,
    "Refused %d request(s) whose head, a header or the target passed "
    "MAX_REQUEST_HEAD_BYTES or MAX_HEADER_BYTES",
    SUMMARY_INTERVAL_SECONDS,
)


def _refusal(status: int, title: str, detail: str, *headers: str) -> bytes:
    """A whole HTTP/1.1 answer, written before (or instead of) parsing the request."""
    problem = Problem(title=title, status=status, detail=detail)
    body = json.dumps(problem.model_dump(exclude_none=True)).encode()
    head = "".join(
        [
            f"HTTP/1.1 {status} {title}\r\n",
            f"content-type: {PROBLEM_JSON}\r\n",
            f"content-length: {len(body)}\r\n",
            *(f"{header}\r\n" for header in headers),
            "connection: close\r\n\r\n",
        ]
    )
    return head.encode() + body


OVERFLOW_RESPONSE = _refusal(
    503,
    "Service Unavailable",
    "The server holds as many connections as it may; retry later.",
    f"retry-after: {RETRY_AFTER_SECONDS}",
)
HEADER_FIELDS_TOO_LARGE = 431
URI_TOO_LONG = 414
REQUEST_TIMEOUT = 408


@cache
def _oversized_responses(max_head_bytes: int, max_header_bytes: int) -> dict[int, bytes]:
    """The answers to a request head past the limits, by status: built once per worker."""
    return {
        HEADER_FIELDS_TOO_LARGE: _refusal(
            HEADER_FIELDS_TOO_LARGE,
            "Request Header Fields Too Large",
            f"A request head may take {max_head_bytes} bytes, and a header "
            f"(name and value) {max_header_bytes}.",
        ),
        URI_TOO_LONG: _refusal(
            URI_TOO_LONG,
            "URI Too Long",
            f"A request target may take {max_header_bytes} bytes.",
        ),
    }


@cache
def _late_body_response(timeout_seconds: float) -> bytes:
    return _refusal(
        REQUEST_TIMEOUT,
        "Request Timeout",
        f"The request body did not arrive within {timeout_seconds:g} s of its head.",
    )


class _Deadline:
    """One of a connection's timers: started once however often asked, cancelled at will,
    and idle again once it has fired."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, seconds: float, expired: Callable[[], None]
    ) -> None:
        self._loop = loop
        self._seconds = seconds
        self._expired = expired
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(self._seconds, self._fire)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        self._expired()


# This worker's refused connections still open (one event loop per process).
_lingering: set["GuardedHttpProtocol"] = set()


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one worker allows its clients' connections (picklable: workers receive it)."""

    max_connections: int
    request_head_timeout_seconds: float
    max_request_head_bytes: int
    max_header_bytes: int
    request_body_timeout_seconds: float
    send_timeout_seconds: float


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the limits on connections that uvicorn lacks.

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
    - **A request head must fit in `max_request_head_bytes`, each header and the request
      target in `max_header_bytes`**: uvicorn and httptools keep a head until it ends,
      however large (a 34 MB header was answered 200; four unfinished 40 MB heads grew a
      worker by 180 MB, 250 MB at its peak). Past a limit the request is answered 431
      (414 for the target) with `Connection: close`, what the client still sends is read
      and dropped, and the connection is closed once it stops, or a second later.
    - **A request body must be complete in time**: within `request_body_timeout_seconds`
      of its head. uvicorn waits for a body as long as the client keeps the connection,
      so a byte every few seconds held a connection for ever. A late body is answered
      408 (problem+json, `Connection: close`) unless the app has answered already, and
      the app reading it hears that the client left.
    - **A request answered before its body arrived is not waited for**: a refusal (401,
      403, 413) ends the connection once written, rather than reading a body nobody
      will use.
    - **A client must take its answer**: one that takes none of what is waiting to be
      sent for `send_timeout_seconds` (the transport stays over its high-water mark) is
      disconnected. uvicorn would wait for it for ever, holding the answer in memory.
      Answers that all fit in the socket's buffers (a few MB on Linux) leave the worker
      nothing to send: the connection ends as an idle one does, after the keep-alive
      timeout, and the kernel keeps those bytes until the client reads them or its
      retries give up.
    - **While the worker drains** before it stops (`SERVER_DRAINING`), every answer
      closes its connection (`Connection: close`).

    The bytes counted are those that are not body content, since the connection opened,
    the last request ended, its head ended or a chunk of its body began: a head, or a
    chunked body's framing and trailers, which httptools keeps as it keeps headers. They
    are counted as they are fed to the parser, in pieces of at most what is left, so a
    connection holds no more than about twice the limit: what follows the end of a request
    in the same piece is counted only from the next one.

    All are logged summarized (`SummarizedLog`): a flood costs a line per interval.
    """

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._head_deadline = _Deadline(
            self.loop, limits.request_head_timeout_seconds, self._head_timed_out
        )
        self._body_deadline = _Deadline(
            self.loop, limits.request_body_timeout_seconds, self._body_timed_out
        )
        self._send_deadline = _Deadline(
            self.loop, limits.send_timeout_seconds, self._send_timed_out
        )
        # Ending: what the client still sends is read and dropped until the connection
        # closes (an answer written, then a half-close, then a close a second later).
        self._hanging_up = False
        self._linger: asyncio.TimerHandle | None = None
        # Bytes counted against max_request_head_bytes, and what the piece being fed held.
        self._head_bytes = 0
        self._body_bytes_fed = 0
        self._counted_afresh = False
        self._in_body = False
        # The status an oversized request is refused with, once it is.
        self._oversized: int | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self._limits.max_connections:
            self._refuse(transport)
            return
        super().connection_made(transport)
        self._head_deadline.start()

    def data_received(self, data: bytes) -> None:
        if self._oversized is not None or self._hanging_up:
            # Refused: dropped unread, so that closing later sends no reset over the answer.
            return
        if self._linger is not None:
            # Refused: what the client sent is read, so closing now sends no reset.
            self.transport.close()
            return
        room = self._limits.max_request_head_bytes - self._head_bytes
        if len(data) <= room:
            self._feed(data)
            return
        rest = memoryview(data)
        while rest and self._oversized is None and not self.transport.is_closing():
            piece = rest[: max(room, MIN_PIECE_BYTES)]
            rest = rest[len(piece) :]
            self._feed(piece)
            room = self._limits.max_request_head_bytes - self._head_bytes

    def on_message_begin(self) -> None:
        if self._oversized is not None:
            return
        super().on_message_begin()
        self._head_deadline.start()

    def on_url(self, url: bytes) -> None:
        if self._oversized is not None:
            return
        super().on_url(url)
        if len(self.url) > self._limits.max_header_bytes:
            self._oversized = URI_TOO_LONG

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._oversized is not None:
            return
        if len(name) + len(value) > self._limits.max_header_bytes:
            self._oversized = HEADER_FIELDS_TOO_LARGE
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._oversized is not None:
            return
        self._head_deadline.cancel()
        self._count_afresh()
        self._in_body = True
        super().on_headers_complete()
        if SERVER_DRAINING.is_set() and self.cycle is not None:
            # Draining (DrainingServer): answered, then closed, so the client moves on.
            self.cycle.keep_alive = False

    def on_chunk_header(self) -> None:
        self._count_afresh()

    def on_body(self, body: bytes) -> None:
        if self._oversized is not None:
            return
        self._body_bytes_fed += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._oversized is not None:
            return
        self._count_afresh()
        self._in_body = False
        self._body_deadline.cancel()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._in_body and not self.transport.is_closing() and not self._hanging_up:
            # Answered before its body arrived (a refusal): the rest is not waited for.
            self._hang_up(None)

    def pause_writing(self) -> None:
        super().pause_writing()
        self._send_deadline.start()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._send_deadline.cancel()

    def shutdown(self) -> None:
        # uvicorn waits for each answer in progress: tell the streams to end theirs.
        SERVER_STOPPING.set()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_deadline.cancel()
        self._body_deadline.cancel()
        self._send_deadline.cancel()
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

    def _feed(self, piece: bytes | memoryview) -> None:
        self._body_bytes_fed = 0
        self._counted_afresh = False
        super().data_received(piece)  # type: ignore[arg-type]  # httptools reads a buffer
        if not self._counted_afresh:
            self._head_bytes += len(piece) - self._body_bytes_fed
        if self._oversized is None and self._head_bytes >= self._limits.max_request_head_bytes:
            # As many bytes as a head may take and it has not ended: it is larger.
            self._oversized = HEADER_FIELDS_TOO_LARGE
        if self._oversized is not None and not self.transport.is_closing():
            self._refuse_oversized(self._oversized)
        elif self._in_body and not self.transport.is_closing():
            # Only once a body is awaited: a request without one costs no timer.
            self._body_deadline.start()

    def _count_afresh(self) -> None:
        # What follows in the piece being fed is not counted: the bound is a piece more.
        self._head_bytes = 0
        self._counted_afresh = True

    def _refuse_oversized(self, status: int) -> None:
        _oversized.occurred()
        self._head_deadline.cancel()
        if self._in_body:
            # Trailers or framing past the limit, while the app reads the body: it is told
            # the client is gone, as it would be had the client left.
            self.transport.close()
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # An earlier request on this connection is still being answered: a 431 now
            # would land inside that answer. The connection ends with it instead.
            self.cycle.keep_alive = False
            return
        limits = self._limits
        self._hang_up(
            _oversized_responses(limits.max_request_head_bytes, limits.max_header_bytes)[status]
        )

    def _body_timed_out(self) -> None:
        if self.transport.is_closing() or self._hanging_up:
            return
        _late_bodies.occurred()
        cycle = self.cycle
        answered = cycle is not None and cycle.response_started
        if cycle is not None and not cycle.response_complete:
            # The app, waiting for the body, hears that the client left; its answer, if it
            # still writes one, goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
        timeout = self._limits.request_body_timeout_seconds
        if not answered and cycle is not None:
            # For the access log and the metrics: what the client got.
            cycle.scope.setdefault("state", {})[SERVER_ANSWER] = REQUEST_TIMEOUT
        self._hang_up(None if answered else _late_body_response(timeout))

    def _send_timed_out(self) -> None:
        if not self.transport.is_closing():
            _slow_readers.occurred()
            # Reset, not closed: a FIN would wait behind the answer the client does not
            # read, and the kernel would keep that answer, megabytes of it, until it did.
            connection = self.transport.get_extra_info("socket")
            if connection is not None:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
            self.transport.abort()

    def _hang_up(self, answer: bytes | None) -> None:
        """Write `answer`, if any, and end the connection without reading on.

        Half-closed, the client reads the end of the answer while the rest of what it
        sends is dropped; a close now, with its bytes unread, could reset the connection
        before the answer is read. It is closed once the client stops, or a second later.
        """
        self._hanging_up = True
        self._head_deadline.cancel()
        self._body_deadline.cancel()
        if answer is not None:
            self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger = self.loop.call_later(REFUSED_LINGER_SECONDS, self.transport.close)

    def _head_timed_out(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()
            _timed_out.occurred()
