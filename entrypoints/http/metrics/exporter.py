"""The metrics endpoint: prometheus_client's WSGI app, on a bounded server of our own."""

import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from todo_service.entrypoints.settings import ConfigurationError

# A scraper asks a few times a minute: a handful of answers at once is plenty, and each
# connection gets a deadline. prometheus_client's own server starts a thread per
# connection and waits on a silent one for ever: 3,000 idle connections made 3,008
# threads in the API worker.
MAX_SCRAPES_AT_ONCE = 4
SCRAPE_TIMEOUT_SECONDS = 5


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Scrapes are not logged: the access log is the API's."""


class BoundedMetricsServer(ThreadingMixIn, WSGIServer):
    """A WSGI server that answers at most MAX_SCRAPES_AT_ONCE connections at a time,
    each within SCRAPE_TIMEOUT_SECONDS; one more is closed at once, unanswered."""

    daemon_threads = True
    # socketserver's default backlog of 5 left a burst of connections waiting on SYN
    # retries (seconds each) before they could be refused.
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_SCRAPES_AT_ONCE)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        request.settimeout(SCRAPE_TIMEOUT_SECONDS)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A scraper that went away or timed out is no error worth a traceback."""


def serve_registry(registry: CollectorRegistry, host: str, port: int) -> None:
    """Answer scrapes of `registry` on host:port (any path) until the process exits."""
    server_class = type(
        "MetricsServer",
        (BoundedMetricsServer,),
        {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET},
    )
    try:
        server: WSGIServer = make_server(
            host, port, make_wsgi_app(registry), server_class, _QuietHandler
        )
    except OSError as error:
        raise ConfigurationError(
            f"METRICS_PORT: cannot listen on {host}:{port}: {error.strerror}"
        ) from None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()


def workers_registry(folder: Path) -> CollectorRegistry:
    """The sum of what every worker wrote to `folder` (prometheus_client's multi-process mode)."""
    registry = CollectorRegistry()
    registry.register(_LiveWorkers(folder))
    return registry


class _LiveWorkers:
    """MultiProcessCollector, once the live gauges of workers that are gone are dropped.

    A worker's counters outlive it (they are counts of what it did), but its share
    of a `live...` gauge (connections it held) must not: uvicorn replaces a worker
    that died, and its files would be summed forever. Whatever the way it ended, a
    worker whose process is gone is forgotten at the next scrape.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        # prometheus_client's multi-process module has no annotations.
        self._collector = MultiProcessCollector(None, str(folder))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        for path in self._folder.glob("gauge_live*_*.db"):
            pid = int(path.stem.rpartition("_")[2])
            if not _alive(pid):
                mark_process_dead(pid, str(self._folder))  # type: ignore[no-untyped-call]
        metrics: Iterable[Metric] = self._collector.collect()  # type: ignore[no-untyped-call]
        return metrics


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
