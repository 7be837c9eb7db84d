"""Prometheus metrics for operators, on a port of their own (METRICS_PORT); off by default.

Unset, nothing here imports prometheus_client and the app has no metrics on its
request path. Set, `todo serve` calls `serving_metrics` before it serves:

- one process (WORKERS=1): the recorders live in it, and a thread of
  prometheus_client's serves them on METRICS_HOST:METRICS_PORT;
- several workers: the parent makes a fresh folder and names it in
  PROMETHEUS_MULTIPROC_DIR before any worker starts (prometheus_client reads it
  once, when first imported, and each worker imports it after); every worker
  records into its own files there (`worker_metrics`), and the parent serves their
  sum. The folder goes when `serve` exits, so no count survives into the next run.

What is recorded, and why no label can carry an id: `recorders.HttpMetrics`.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from todo_service.entrypoints.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from todo_service.entrypoints.http.metrics.recorders import HttpMetrics

MULTIPROCESS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"


def serving_metrics(settings: Settings) -> "HttpMetrics | None":
    """Start the metrics endpoint of `todo serve`; the recorders when they live in this process.

    None with metrics off, and with several workers (each records its own). Raises
    ConfigurationError when METRICS_PORT cannot be listened on.
    """
    if settings.metrics_port is None:
        return None
    # Imported here, after the folder is named (or unnamed): prometheus_client picks
    # its mode once, on import.
    if settings.workers > 1:
        folder = Path(tempfile.mkdtemp(prefix="todo-metrics-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        os.environ[MULTIPROCESS_FOLDER] = str(folder)
        from todo_service.entrypoints.http.metrics import exporter  # noqa: PLC0415

        registry = exporter.workers_registry(folder)
        exporter.serve_registry(registry, settings.metrics_host, settings.metrics_port)
        return None
    # A folder named by the environment would put one process's values in files.
    os.environ.pop(MULTIPROCESS_FOLDER, None)
    from prometheus_client import CollectorRegistry  # noqa: PLC0415

    from todo_service.entrypoints.http.metrics import exporter  # noqa: PLC0415
    from todo_service.entrypoints.http.metrics.recorders import HttpMetrics  # noqa: PLC0415

    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    exporter.serve_registry(registry, settings.metrics_host, settings.metrics_port)
    return metrics


def worker_metrics(settings: Settings) -> "HttpMetrics | None":
    """The recorders of one of `todo serve`'s workers (the ASGI factory); None with metrics off."""
    if settings.metrics_port is None:
        return None
    if not os.environ.get(MULTIPROCESS_FOLDER):
        raise ConfigurationError(
            "METRICS_PORT with several workers is served by `todo serve`, which sets "
            f"{MULTIPROCESS_FOLDER} for them; it is not set"
        )
    from todo_service.entrypoints.http.metrics.recorders import HttpMetrics  # noqa: PLC0415

    return HttpMetrics(registry=None)
