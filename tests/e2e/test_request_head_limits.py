"""`todo serve` refuses request heads past MAX_REQUEST_HEAD_BYTES or MAX_HEADER_BYTES.

Against a real process: the limits live in the HTTP protocol, below the app.
"""

import json
import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.support.live_service import (
    ServiceProcess,
    auth_for,
    running_service,
    service_environment,
)
from todo_service.entrypoints.settings import Settings

MAX_HEAD = Settings.model_fields["max_request_head_bytes"].default
MAX_HEADER = Settings.model_fields["max_header_bytes"].default
TIMEOUT_SECONDS = 10


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    with running_service(
        service_environment("memory://"), tmp_path_factory.mktemp("head-limits")
    ) as service:
        yield service


def exchange(service: ServiceProcess, *sends: bytes) -> bytes:
    """What the server sent on one connection until it closed it, `sends` sent first.

    The connection is left open for writing: uvicorn drops the answers still to come to a
    client that half-closes. So the last request closes it (`head(last=True)`), or the
    server does.
    """
    received = b""
    with socket.create_connection(("127.0.0.1", service.port)) as connection:
        connection.settimeout(TIMEOUT_SECONDS)
        try:
            for data in sends:
                connection.sendall(data)
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received


def head(*headers: str, target: str = "/healthz", end: bool = True, last: bool = False) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: limits", *(["Connection: close"] if last else [])]
    lines += headers
    return ("\r\n".join(lines) + ("\r\n\r\n" if end else "\r\n")).encode()


def statuses(answer: bytes) -> list[int]:
    """The statuses of the answers on a connection (bodies here never hold a status line)."""
    return [int(status) for status in re.findall(rb"HTTP/1\.1 ([0-9]{3}) ", answer)]


def problem(answer: bytes) -> dict[str, object]:
    head_part, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head_part.lower()
    assert b"connection: close" in head_part.lower()
    parsed: dict[str, object] = json.loads(body)
    return parsed


def test_a_1_mb_header_is_answered_431_and_the_connection_closed(service: ServiceProcess) -> None:
    answer = exchange(service, head(end=False), b"X-Huge: " + b"a" * (1 << 20) + b"\r\n\r\n")

    assert statuses(answer) == [431]
    assert problem(answer)["status"] == 431
    # exchange returned: the server closed the connection after its answer.


def test_a_1_mb_head_that_never_ends_is_answered_431_without_waiting_for_its_end(
    service: ServiceProcess,
) -> None:
    with socket.create_connection(("127.0.0.1", service.port)) as connection:
        connection.settimeout(TIMEOUT_SECONDS)
        connection.sendall(head(end=False) + b"X-Huge: " + b"a" * (1 << 20))
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert statuses(answer) == [431]


def test_a_normal_request_and_one_just_within_the_limits_are_served(
    service: ServiceProcess,
) -> None:
    assert httpx.get(f"{service.base_url}/healthz", timeout=TIMEOUT_SECONDS).status_code == 200
    # Headers as long as each may be (name and value), as many as the head takes.
    longest = [f"X-Long-{n}: " + "a" * (MAX_HEADER - len(f"X-Long-{n}")) for n in range(3)]
    assert statuses(exchange(service, head(*longest, last=True))) == [200]
    filler = "X-Filler: " + "b" * (MAX_HEAD - len(head(*longest, "X-Filler: ")) - 512)
    within = head(*longest, filler, last=True)
    assert MAX_HEAD - 1024 < len(within) < MAX_HEAD
    assert statuses(exchange(service, within)) == [200]


def test_an_authenticated_request_with_a_long_token_is_served(service: ServiceProcess) -> None:
    headers = {**auth_for("long-token"), "X-Padding": "p" * 8000}
    response = httpx.get(f"{service.base_url}/api/todos", headers=headers, timeout=TIMEOUT_SECONDS)
    assert response.status_code == 200


def test_one_header_over_max_header_bytes_is_431_though_the_head_is_small(
    service: ServiceProcess,
) -> None:
    over = "X-Long: " + "a" * (MAX_HEADER - len("X-Long") + 1)
    answer = exchange(service, head(over))
    assert statuses(answer) == [431]
    assert problem(answer)["title"] == "Request Header Fields Too Large"


def test_a_request_target_over_max_header_bytes_is_414(service: ServiceProcess) -> None:
    answer = exchange(service, head(target="/healthz?q=" + "a" * MAX_HEADER))
    assert statuses(answer) == [414]
    assert problem(answer)["status"] == 414


def test_the_limit_is_per_request_on_a_kept_alive_connection(service: ServiceProcess) -> None:
    # Three heads of 60% of the limit, pipelined in one write: each within it, together not.
    big = [f"X-Big-{n}: {'c' * (MAX_HEAD // 5)}" for n in range(3)]
    three = head(*big) * 2 + head(*big, last=True)
    assert statuses(exchange(service, three)) == [200, 200, 200]
    # After a request is answered, the next head on the connection is held to the limit.
    huge = head(f"X-Huge: {'d' * MAX_HEAD}")
    with socket.create_connection(("127.0.0.1", service.port)) as connection:
        connection.settimeout(TIMEOUT_SECONDS)
        connection.sendall(head())
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += connection.recv(65536)
        connection.sendall(huge)
        while chunk := connection.recv(65536):
            answer += chunk
    assert statuses(answer) == [200, 431]


def test_an_oversized_head_pipelined_behind_a_request_ends_the_connection_after_its_answer(
    service: ServiceProcess,
) -> None:
    # A 431 then would land inside the first answer, were that still being written: the
    # first answer is whole, and the connection ends with it (or with a 431 after it).
    answer = exchange(service, head() + head(f"X-Huge: {'d' * MAX_HEAD}"))
    assert statuses(answer) in ([200], [200, 431])
    assert answer.split(b"\r\n\r\n", 1)[1].startswith(b'{"status":"ok"}')


def _chunked_post(trailer: bytes) -> bytes:
    token = auth_for("trailers")["Authorization"]
    return (
        b"POST /api/todos HTTP/1.1\r\nHost: limits\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\n"
        b"Authorization: " + token.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'11\r\n{"title": "milk"}\r\n0\r\n' + trailer + b"\r\n"
    )


def test_a_chunked_body_is_served_with_a_short_trailer_and_cut_off_with_an_endless_one(
    service: ServiceProcess,
) -> None:
    assert statuses(exchange(service, _chunked_post(b"X-Checksum: 1\r\n"))) == [201]
    endless = _chunked_post(b"X-Endless: " + b"e" * (1 << 20))[:-2]
    assert statuses(exchange(service, endless)) == []
