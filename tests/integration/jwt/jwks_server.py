import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.jwt_factories import SigningKey


class JwksServer:
    """An identity provider's JWKS endpoint on 127.0.0.1, publishing what the test says."""

    def __init__(self) -> None:
        self.body: bytes = b'{"keys": []}'
        self.status = 200
        self.fetches = 0
        self._arrivals = threading.Condition()
        self._answering = threading.Event()
        self._answering.set()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}/.well-known/jwks.json"

    def publish(self, *keys: SigningKey) -> None:
        self.publish_document({"keys": [key.public_jwk for key in keys]})

    def publish_document(self, document: Any) -> None:
        self.body = json.dumps(document).encode()

    def hold(self) -> None:
        """Keep every request from now on waiting, unanswered, until `release`."""
        self._answering.clear()

    def release(self) -> None:
        self._answering.set()

    def wait_for_fetches(self, count: int) -> None:
        """Return once `count` requests have arrived (answered or held)."""
        with self._arrivals:
            if not self._arrivals.wait_for(lambda: self.fetches >= count, timeout=30):
                raise AssertionError(f"{count} fetches expected, {self.fetches} arrived")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._arrivals:
                    server.fetches += 1
                    server._arrivals.notify_all()
                server._answering.wait(timeout=120)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

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
