"""How much of a request head GuardedHttpProtocol lets the parser take before it refuses it."""

import asyncio
from collections.abc import Iterator

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tests.unit.entrypoints.fake_connection import Connection
from todo_service.entrypoints.http.edge.connection_guard import MIN_PIECE_BYTES, ConnectionLimits

MAX_HEAD = 16 * 1024
MAX_HEADER = 4 * 1024
LIMITS = ConnectionLimits(
    max_connections=10,
    request_head_timeout_seconds=10,
    max_request_head_bytes=MAX_HEAD,
    max_header_bytes=MAX_HEADER,
    request_body_timeout_seconds=10,
    send_timeout_seconds=30,
)
NEVER_ENDING = b"GET / HTTP/1.1\r\nHost: t\r\nX-Endless: " + b"a" * (1 << 20)


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch) -> Iterator[Connection]:
    loop = asyncio.new_event_loop()
    opened = Connection(loop, LIMITS)
    feed = HttpToolsProtocol.data_received

    def counted(protocol: HttpToolsProtocol, data: bytes) -> None:
        opened.fed += len(data)
        feed(protocol, data)

    monkeypatch.setattr(HttpToolsProtocol, "data_received", counted)
    yield opened
    opened.close()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


def test_a_never_ending_head_is_refused_once_it_reaches_the_limit_and_the_rest_is_dropped(
    connection: Connection,
) -> None:
    connection.receive(NEVER_ENDING)

    assert connection.fed == MAX_HEAD
    assert connection.transport.written.startswith(b"HTTP/1.1 431 ")
    assert connection.transport.eof_written
    assert not connection.transport.closed  # until the client stops, or a second passes


def test_one_header_past_its_limit_is_refused_within_the_piece_that_ends_it(
    connection: Connection,
) -> None:
    connection.receive(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * MAX_HEADER + b"\r\nX-Next: 1\r\n\r\n")

    assert connection.transport.written.startswith(b"HTTP/1.1 431 ")
    assert connection.protocol.tasks == set()  # the app never saw the request


def test_a_body_counts_nothing_however_long(connection: Connection) -> None:
    body = 20 * MAX_HEAD
    connection.receive(b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % body + b"b" * body)

    assert connection.transport.written == b""
    assert connection.fed == len(b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % body) + body


def test_tiny_chunks_count_their_framing_one_chunk_at_a_time(connection: Connection) -> None:
    chunks = b"1\r\nc\r\n" * (4 * MAX_HEAD)
    connection.receive(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)

    assert connection.transport.written == b""
    assert not connection.transport.closed


def test_a_never_ending_trailer_closes_the_connection_within_twice_the_limit(
    connection: Connection,
) -> None:
    # The trailers begin inside the piece that ended the head: they are counted from the next.
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n"
    connection.receive(chunked + b"X-Endless: " + b"t" * (1 << 20))

    assert connection.transport.closed
    assert connection.fed <= 2 * MAX_HEAD + MIN_PIECE_BYTES


def test_a_head_that_follows_a_body_in_the_same_piece_holds_at_most_twice_the_limit(
    connection: Connection,
) -> None:
    # The worst case: the body ends where the piece begins, and the next head fills it.
    first = b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n"
    connection.receive(first + b"b" + NEVER_ENDING)

    assert connection.fed - len(first) - 1 <= 2 * MAX_HEAD + MIN_PIECE_BYTES
    # The first request is still being answered: no 431 inside its answer, and no more
    # requests on the connection after it.
    assert connection.transport.written == b""
    assert connection.protocol.cycle.keep_alive is False
