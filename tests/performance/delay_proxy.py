"""A TCP proxy that holds every chunk back for a fixed delay each way, and counts round trips.

Put in front of PostgreSQL, it makes a local database behave like one a network hop
away: each chunk read from one side is written to the other `delay` seconds later, in
the order it came, without holding up any other chunk or connection (each direction
keeps a queue of due times and one timer for its head). Delays below the event loop's
timer resolution come out a little longer (asyncio wakes up to about a millisecond late).

It counts each connection's round trips: a round trip starts each time the client sends
after the server has sent (a connection's first bytes start one too), so a client that
writes a query and waits for its answer makes one, and a pipeline of statements sent
before reading makes one (with no delay, an early answer may slip in between a
pipeline's writes and count another). `DelayProxy.round_trips` is the total over the
connections so far: read it before and after an operation to count its round trips.

Three ways to run it: `DelayProxy` on a running event loop; `delay_proxy_thread()`, on
an event loop in a thread of its own; `DelayProxyProcess`, in a process of its own
(`python tests/performance/delay_proxy.py HOST:PORT --delay-ms 1`), which prints
`port <n>` once it listens, then answers each line on its stdin with its counts as JSON,
and stops at the end of its stdin.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

CHUNK = 65_536
Address = tuple[str, int]


@dataclass
class Link:
    """What one proxied connection has carried."""

    round_trips: int = 0
    client_bytes: int = 0
    server_bytes: int = 0
    # The server has spoken since the client last did: the client's next bytes start a
    # round trip. True on a fresh connection, whose first bytes start one.
    _answered: bool = True

    def client_sent(self, size: int) -> None:
        if self._answered:
            self.round_trips += 1
            self._answered = False
        self.client_bytes += size

    def server_sent(self, size: int) -> None:
        self._answered = True
        self.server_bytes += size


class _Delayed:
    """One direction of a connection: each chunk written `delay` after it was read."""

    def __init__(self, writer: asyncio.StreamWriter, delay: float) -> None:
        self._writer = writer
        self._delay = delay
        self._loop = asyncio.get_running_loop()
        self._due: deque[tuple[float, bytes | None]] = deque()  # None: the end of the stream
        self._timer: asyncio.TimerHandle | None = None

    def push(self, chunk: bytes | None) -> None:
        if self._delay <= 0:
            self._write(chunk)
            return
        self._due.append((self._loop.time() + self._delay, chunk))
        if self._timer is None:
            self._timer = self._loop.call_at(self._due[0][0], self._flush)

    async def drain(self) -> None:
        """Waits while the writer's buffer is full: a slow reader slows its sender."""
        await self._writer.drain()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._writer.close()

    def _flush(self) -> None:
        # The timer was set for the head; what else is due by now goes with it, in order.
        now = self._loop.time()
        self._write(self._due.popleft()[1])
        while self._due and self._due[0][0] <= now:
            self._write(self._due.popleft()[1])
        self._timer = self._loop.call_at(self._due[0][0], self._flush) if self._due else None

    def _write(self, chunk: bytes | None) -> None:
        if self._writer.is_closing():
            return
        if chunk is None:
            self._writer.close()
        else:
            self._writer.write(chunk)


async def _pump(reader: asyncio.StreamReader, out: _Delayed, seen: Callable[[int], None]) -> None:
    """One direction, until its end of stream (or a reset), which is passed on too."""
    try:
        while chunk := await reader.read(CHUNK):
            seen(len(chunk))
            out.push(chunk)
            await out.drain()
    except OSError:
        pass
    finally:
        out.push(None)


class DelayProxy:
    """Forwards connections on `listen` to `upstream`, each chunk `delay` seconds late
    each way; `links` holds every connection's counts, `round_trips` their total."""

    def __init__(self, upstream: Address, delay: float, listen: Address = ("127.0.0.1", 0)):
        self.upstream = upstream
        self.delay = delay
        self.links: list[Link] = []
        self._listen = listen
        self._server: asyncio.Server | None = None
        self._open: set[_Delayed] = set()
        self._serving: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The port it listens on (chosen by the system when asked for port 0)."""
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def round_trips(self) -> int:
        return sum(link.round_trips for link in list(self.links))

    def counts(self) -> dict[str, int]:
        links = list(self.links)
        return {
            "connections": len(links),
            "round_trips": sum(link.round_trips for link in links),
            "client_bytes": sum(link.client_bytes for link in links),
            "server_bytes": sum(link.server_bytes for link in links),
        }

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, *self._listen)

    async def close(self) -> None:
        """Stops listening and cuts the connections still open."""
        if self._server is not None:
            self._server.close()
        for direction in list(self._open):
            direction.cancel()
        # Cut, each connection's pumps see their end of stream and finish.
        await asyncio.gather(*self._serving, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        link = Link()
        self.links.append(link)
        task = asyncio.current_task()
        assert task is not None
        self._serving.add(task)
        to_server = _Delayed(server_writer, self.delay)
        to_client = _Delayed(client_writer, self.delay)
        self._open |= {to_server, to_client}
        try:
            await asyncio.gather(
                _pump(client_reader, to_server, link.client_sent),
                _pump(server_reader, to_client, link.server_sent),
            )
        finally:
            self._open -= {to_server, to_client}
            self._serving.discard(task)


@contextmanager
def delay_proxy_thread(
    upstream: Address, delay: float, listen: Address = ("127.0.0.1", 0)
) -> Iterator[DelayProxy]:
    """A DelayProxy on an event loop of its own, in a daemon thread, while the block runs."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="delay-proxy", daemon=True)
    thread.start()
    proxy = DelayProxy(upstream, delay, listen)
    try:
        asyncio.run_coroutine_threadsafe(proxy.start(), loop).result()
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(proxy.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


class DelayProxyProcess:
    """A DelayProxy in a process of its own, a child of this one: its CPU is not ours."""

    def __init__(self, upstream: Address, delay: float) -> None:
        # -P: this file's folder stays off the path (its modules would shadow none, but still).
        command = [sys.executable, "-P", __file__, f"{upstream[0]}:{upstream[1]}"]
        self._process = subprocess.Popen(  # noqa: S603
            [*command, f"--delay-ms={delay * 1000}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._stdin, self._stdout = self._process.stdin, self._process.stdout
        started = self._stdout.readline()
        if not started.startswith("port "):
            self.stop()
            raise RuntimeError(f"the delay proxy did not start: {started!r}")
        self.port = int(started.split()[1])
        self.pid = self._process.pid

    def counts(self) -> dict[str, int]:
        self._stdin.write("counts\n")
        self._stdin.flush()
        counts: dict[str, int] = json.loads(self._stdout.readline())
        return counts

    def round_trips(self) -> int:
        return self.counts()["round_trips"]

    def stop(self) -> None:
        with suppress(OSError):
            self._stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> "DelayProxyProcess":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


async def _serve_until_stdin_ends(proxy: DelayProxy) -> None:
    await proxy.start()
    print(f"port {proxy.port}", flush=True)
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()

    def answer() -> None:
        for _ in sys.stdin:
            counts = asyncio.run_coroutine_threadsafe(_counts(proxy), loop).result()
            print(json.dumps(counts), flush=True)
        loop.call_soon_threadsafe(ended.set_result, None)

    threading.Thread(target=answer, daemon=True).start()
    await ended
    await proxy.close()


async def _counts(proxy: DelayProxy) -> dict[str, int]:
    return proxy.counts()


def _address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0] if __doc__ else None)
    parser.add_argument("upstream", type=_address, help="HOST:PORT to forward to")
    parser.add_argument("--delay-ms", type=float, default=1.0, help="delay each way (1)")
    parser.add_argument("--listen", type=_address, default=("127.0.0.1", 0), help="HOST:PORT")
    args = parser.parse_args(argv)
    proxy = DelayProxy(args.upstream, args.delay_ms / 1000, args.listen)
    asyncio.run(_serve_until_stdin_ends(proxy))


if __name__ == "__main__":
    main()
