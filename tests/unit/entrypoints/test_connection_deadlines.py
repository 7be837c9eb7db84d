"""GuardedHttpProtocol's deadlines on a request body and on a client that reads nothing,
and what it does to a request answered before its body arrived, or while draining."""

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.unit.entrypoints.fake_connection import App, Connection
from todo_service.entrypoints.http.edge.connection_guard import RESET_ON_CLOSE, ConnectionLimits
from todo_service.entrypoints.http.edge.request_log import SERVER_ANSWER
from todo_service.entrypoints.http.serving.stopping import SERVER_DRAINING

DEADLINE = 0.05
LIMITS = ConnectionLimits(
    max_connections=10,
    request_head_timeout_seconds=10,
    max_request_head_bytes=16 * 1024,
    max_header_bytes=4 * 1024,
    request_body_timeout_seconds=DEADLINE,
    send_timeout_seconds=DEADLINE,
)
HEAD = b"POST /api/todos HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"


async def answers_at_once(scope: Any, receive: Callable[[], Awaitable[Any]], send: Any) -> None:
    """A refusal that reads none of the body, as the bearer gate's 401."""
    await send({"type": "http.response.start", "status": 401, "headers": []})
    await send({"type": "http.response.body", "body": b"no"})


class Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run_for(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def connect(self, app: App | None = None) -> Connection:
        if app is None:
            return Connection(self.loop, LIMITS)
        return Connection(self.loop, LIMITS, app)


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.loop.run_until_complete(asyncio.sleep(0))
    running.loop.close()


def test_a_body_late_past_its_deadline_is_answered_408_and_the_app_hears_the_client_left(
    loop: Loop,
) -> None:
    connection = loop.connect()
    connection.receive(HEAD + b"12")
    loop.run_for(DEADLINE * 3)

    written = connection.transport.written
    assert written.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in written
    assert connection.transport.eof_written
    cycle = connection.protocol.cycle
    assert cycle is not None
    assert cycle.disconnected
    assert cycle.scope["state"][SERVER_ANSWER] == 408
    connection.close()


def test_a_body_complete_in_time_is_never_timed_out(loop: Loop) -> None:
    connection = loop.connect()
    connection.receive(HEAD + b"0123456789")
    loop.run_for(DEADLINE * 3)

    assert connection.transport.written == b""
    assert not connection.transport.closed
    connection.close()


def test_a_request_answered_before_its_body_arrived_is_not_waited_for(loop: Loop) -> None:
    connection = loop.connect(answers_at_once)
    connection.receive(HEAD + b"12")
    loop.run_for(0)

    assert connection.transport.written.startswith(b"HTTP/1.1 401 ")
    assert connection.transport.eof_written  # half-closed: the client reads, we read on
    connection.receive(b"3456789")  # what it still sends is dropped, not parsed
    assert connection.transport.written.count(b"HTTP/1.1") == 1
    connection.close()


def test_a_client_that_takes_none_of_its_answer_is_reset_after_its_deadline(
    loop: Loop,
) -> None:
    connection = loop.connect()
    connection.protocol.pause_writing()  # the transport's buffer is past its high-water mark
    loop.run_for(DEADLINE * 3)

    assert connection.transport.aborted
    linger = connection.transport.socket.options[(socket.SOL_SOCKET, socket.SO_LINGER)]
    assert linger == RESET_ON_CLOSE


def test_a_client_that_takes_its_answer_in_time_is_kept(loop: Loop) -> None:
    connection = loop.connect()
    connection.protocol.pause_writing()
    loop.run_for(DEADLINE / 5)
    connection.protocol.resume_writing()
    loop.run_for(DEADLINE * 3)

    assert not connection.transport.closed
    connection.close()


def test_while_draining_every_request_is_answered_with_connection_close(loop: Loop) -> None:
    connection = loop.connect()
    SERVER_DRAINING.set()
    try:
        connection.receive(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    finally:
        SERVER_DRAINING.clear()
    cycle = connection.protocol.cycle
    assert cycle is not None
    assert cycle.keep_alive is False
    connection.close()
