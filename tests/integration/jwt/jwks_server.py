import json
import math
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import responses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.jwt_factories import SigningKey

KEY_SET_PATH = "/.well-known/jwks.json"
# What a trickling endpoint sends at a time.
TRICKLE_BYTES = 64
# Header lines a trickling endpoint sends before the key set when it trickles its headers.
PADDING_HEADERS = 40


class JwksServer:
    """An identity provider's JWKS endpoint on 127.0.0.1, publishing what the test says.

    Over TLS when given a server context. Besides answering, it can hold every request
    (`hold`), send its answer a few bytes at a time (`trickle`), or answer the key set's
    path with a redirect (`redirect_to`); any other path is answered with the key set,
    so a redirect that is followed succeeds.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.body: bytes = b'{"keys": []}'
        self.status = 200
        self.fetches = 0
        self.location: str | None = None
        self.redirect_status = 302
        self.trickle_every: float | None = None
        self.trickle_headers = False
        # Sent as the whole answer instead of an HTTP one, when set.
        self.raw_answer: bytes | None = None
        self._arrivals = threading.Condition()
        self._answering = threading.Event()
        self._answering.set()
        self._stopping = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._scheme = "http"
        if tls is not None:
            # The handshake happens in the request's thread, never in the accepting one.
            self._http.socket = tls.wrap_socket(
                self._http.socket, server_side=True, do_handshake_on_connect=False
            )
            self._scheme = "https"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return self.url_for(KEY_SET_PATH)

    def url_for(self, path: str, host: str = "127.0.0.1") -> str:
        """This server's URL for `path`, naming it `host` (e.g. `localhost`, another name)."""
        port = self._http.server_address[1]
        return f"{self._scheme}://{host}:{port}{path}"

    def publish(self, *keys: SigningKey) -> None:
        self.publish_document({"keys": [key.public_jwk for key in keys]})

    def publish_document(self, document: Any) -> None:
        self.body = json.dumps(document).encode()

    def hold(self) -> None:
        """Keep every request from now on waiting, unanswered, until `release`."""
        self._answering.clear()

    def release(self) -> None:
        self._answering.set()

    def trickle(self, every_seconds: float | None, *, headers: bool = False) -> None:
        """Send each answer 64 bytes at a time, `every_seconds` apart (None: all at once).

        With `headers`, 40 header lines of padding come before the key set, so that
        the status line and headers trickle for longer than any test's timeout.
        """
        self.trickle_every = every_seconds
        self.trickle_headers = headers

    @property
    def trickle_seconds(self) -> float:
        """How long sending one whole answer takes while trickling."""
        every = self.trickle_every or 0.0
        return math.ceil(len(self._answer()) / TRICKLE_BYTES) * every

    def redirect_to(self, location: str | None, status: int = 302) -> None:
        """Answer the key set's path with a redirect to `location` (None: stop redirecting)."""
        self.location, self.redirect_status = location, status

    def wait_for_fetches(self, count: int) -> None:
        """Return once `count` requests have arrived (answered or held)."""
        with self._arrivals:
            if not self._arrivals.wait_for(lambda: self.fetches >= count, timeout=30):
                raise AssertionError(f"{count} fetches expected, {self.fetches} arrived")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.release()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def _answer(self, path: str = KEY_SET_PATH) -> bytes:
        """The whole HTTP answer to a GET of `path`: status line, headers and body."""
        if self.raw_answer is not None:
            return self.raw_answer
        if self.location is not None and path == KEY_SET_PATH:
            status, headers, body = self.redirect_status, [f"Location: {self.location}"], b""
        else:
            status, headers, body = self.status, [], self.body
        padding = [f"X-Padding-{n}: {'.' * 40}" for n in range(PADDING_HEADERS)]
        lines = [
            f"HTTP/1.1 {status} {responses.get(status, 'Answer')}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *headers,
            *(padding if self.trickle_headers else []),
        ]
        return "\r\n".join([*lines, "", ""]).encode() + body

    def _send_trickling(self, connection: socket.socket, answer: bytes, every: float) -> None:
        for start in range(0, len(answer), TRICKLE_BYTES):
            # The client sends nothing after its request: anything readable is its hang-up.
            if self._stopping.is_set() or select.select([connection], [], [], every)[0]:
                return
            connection.sendall(answer[start : start + TRICKLE_BYTES])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._arrivals:
                    server.fetches += 1
                    server._arrivals.notify_all()
                server._answering.wait(timeout=120)
                answer = server._answer(self.path)
                self.close_connection = True
                every = server.trickle_every
                try:
                    if every is None:
                        self.wfile.write(answer)
                    else:
                        server._send_trickling(self.connection, answer, every)
                except OSError:
                    pass  # the client gave up: what a trickling endpoint is there to see

            def handle(self) -> None:
                try:
                    if isinstance(self.connection, ssl.SSLSocket):
                        self.connection.do_handshake()
                    super().handle()
                except OSError:
                    pass  # a client that hung up during the handshake or its request

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """A URL whose server accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        yield f"http://127.0.0.1:{port}/.well-known/jwks.json"


def free_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/jwks.json"
