"""A loopback TCP proxy that can make the server behind it vanish and come back.

`cut()` closes the listener (new connections are refused) and every forwarded
connection (established ones see the server hang up); `restore()` listens again
on the same port. To the service behind it this looks like a database server
that went away and returned, without touching the real, shared server.
"""

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

_POLL_SECONDS = 0.1
_CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listening = threading.Event()
        self._listener: socket.socket | None = None
        self._hanging = threading.Event()
        self.port = 0
        self.connections_held = 0

    def hang(self) -> None:
        """From now on, accept connections but never answer on them: a server that hangs."""
        self._hanging.set()

    def restore(self) -> None:
        """Listen (again, on the same port once chosen) and forward what arrives."""
        self._hanging.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(_POLL_SECONDS)
        self.port = int(listener.getsockname()[1])
        self._listener = listener
        self._listening.set()
        self._start(self._accept_loop, listener)

    def cut(self) -> None:
        """Refuse new connections and hang up on every established one."""
        self._listening.clear()
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _hang_up(sock)
        self._join()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._listening.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            if self._hanging.is_set():
                self._hold(client)
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                # Checked under the lock, so cut() either sees this pair or it is dropped here.
                if not self._listening.is_set():
                    _hang_up(client)
                    _hang_up(upstream)
                    return
                self._sockets.update((client, upstream))
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    def _hold(self, client: socket.socket) -> None:
        with self._lock:
            if not self._listening.is_set():
                _hang_up(client)
                return
            self._sockets.add(client)
            self.connections_held += 1

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.difference_update((source, sink))
            _hang_up(source)
            _hang_up(sink)

    def _start(self, target: Callable[..., None], *args: socket.socket) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _join(self) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(5)


def _hang_up(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def tcp_proxy(target_host: str, target_port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    proxy.restore()
    try:
        yield proxy
    finally:
        proxy.cut()
