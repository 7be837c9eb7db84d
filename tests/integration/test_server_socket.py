"""Responses on a kept-alive connection leave at once, also from several workers."""

import asyncio
import socket

import uvicorn

from todo_service.entrypoints.http.serving.server import server_options
from todo_service.entrypoints.settings import Settings


class _Accepted(asyncio.Protocol):
    def __init__(self, transports: "asyncio.Queue[asyncio.BaseTransport]") -> None:
        self._transports = transports

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transports.put_nowait(transport)


async def _nodelay_of_an_accepted_connection(listening: socket.socket) -> int:
    transports: asyncio.Queue[asyncio.BaseTransport] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Accepted(transports), sock=listening)
    host, port = listening.getsockname()[:2]
    _, writer = await asyncio.open_connection(host, port)
    try:
        accepted = await asyncio.wait_for(transports.get(), timeout=10)
        option: int = accepted.get_extra_info("socket").getsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY
        )
        return option
    finally:
        writer.close()
        server.close()


def test_a_connection_accepted_on_the_socket_shared_by_workers_has_nagle_off() -> None:
    # With WORKERS > 1 uvicorn binds one socket for all workers (bind_socket, protocol 0),
    # and each worker's loop accepts on it: asyncio would leave Nagle's algorithm on.
    settings = Settings(_env_file=None, host="127.0.0.1", workers=2)
    options = {**server_options(settings), "port": 0}  # any free port
    config = uvicorn.Config("todo_service.entrypoints.http.asgi:APP_FACTORY", **options)
    listening = config.bind_socket()
    loop_factory = config.get_loop_factory()
    assert loop_factory is not None
    with listening, asyncio.Runner(loop_factory=loop_factory) as runner:
        assert runner.run(_nodelay_of_an_accepted_connection(listening)) != 0
