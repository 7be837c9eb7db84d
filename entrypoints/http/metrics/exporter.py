"""The metrics endpoint: prometheus_client's HTTP server, on a daemon thread of its own."""

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from todo_service.entrypoints.settings import ConfigurationError


def serve_registry(registry: CollectorRegistry, host: str, port: int) -> None:
    """Answer scrapes of `registry` on host:port (any path) until the process exits."""
    try:
        start_http_server(port, host, registry)
    except OSError as error:
        raise ConfigurationError(
            f"METRICS_PORT: cannot listen on {host}:{port}: {error.strerror}"
        ) from None


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
