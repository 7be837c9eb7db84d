"""A GuardedHttpProtocol on a fake transport, on a loop of the test's own: what the
protocol writes, and how it ends the connection, without a socket."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from todo_service.entrypoints.http.edge.connection_guard import (
    ConnectionLimits,
    GuardedHttpProtocol,
)

READ_BYTES = 256 * 1024  # what uvloop hands a protocol at most per read
App = Callable[[Any, Callable[[], Awaitable[Any]], Any], Awaitable[None]]


class FakeSocket:
    def __init__(self) -> None:
        self.options: dict[tuple[int, int], bytes | int] = {}

    def setsockopt(self, level: int, name: int, value: bytes | int) -> None:
        self.options[(level, name)] = value

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", 8000)

    def getpeername(self) -> tuple[str, int]:
        return ("127.0.0.1", 50000)


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.eof_written = False
        self.closed = False
        self.aborted = False
        self.socket = FakeSocket()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.socket if name == "socket" else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof_written = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def never_answers(scope: Any, receive: Callable[[], Awaitable[Any]], send: Any) -> None:
    await asyncio.Event().wait()  # each test decides what is complete


class Connection:
    """A GuardedHttpProtocol on a fake transport."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, limits: ConnectionLimits, app: App = never_answers
    ) -> None:
        config = Config(app=app, log_config=None, lifespan="off")
        self.transport = Transport()
        self.protocol = GuardedHttpProtocol(
            config=config, server_state=ServerState(), app_state={}, _loop=loop, limits=limits
        )
        self.protocol.connection_made(self.transport)
        self.fed = 0

    def receive(self, data: bytes) -> None:
        for start in range(0, len(data), READ_BYTES):
            self.protocol.data_received(data[start : start + READ_BYTES])

    def close(self) -> None:
        for task in self.protocol.tasks:
            task.cancel()
        self.protocol.connection_lost(None)
