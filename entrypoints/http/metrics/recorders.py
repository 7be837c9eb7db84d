"""The service's Prometheus metrics, recorded at the HTTP edge of a serving process.

Loaded only with METRICS_PORT set: with metrics off neither this module nor
prometheus_client is imported. Every label value is one of a fixed set (a method,
else `other`; a route template, else `unmatched`; a status; a cause or a reason),
never anything a client wrote: no path, id, title, user or token.
"""

from collections.abc import Callable
from typing import Any, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.pool import QueuePool
from starlette.types import Scope

from todo_service.application import StorageTrouble, TokenRefusal
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.allowed_methods import METHODS
from todo_service.entrypoints.http.edge.request_log import route_template
from todo_service.entrypoints.http.problems.causes import PROBLEM_CAUSE
from todo_service.entrypoints.storage import SqlStorage

# Seconds: most answers take a millisecond or two; a database under strain, tenths.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REFUSAL_REASONS = ("missing", *get_args(TokenRefusal), "deactivated")
UNAVAILABLE_CAUSES = (
    *(f"storage_{trouble}" for trouble in get_args(StorageTrouble)),
    "authentication_unavailable",
    # Readiness (`/readyz`): the database cannot be used, or the worker drains.
    "not_ready",
    "draining",
    "other",
)
_PER_REQUEST = ("method", "route", "status")
_COUNTED = "todo_metrics_checked_out"

_Recorders = tuple[Callable[[], None], Callable[[float], None]]


class HttpMetrics:
    """The metrics one serving process records; `observe` is the request log's observer.

    `registry` is where they are collected from in a single process; None with
    several workers, whose values go to prometheus_client's files (multi-process
    mode) and are summed by the exporter in `todo serve`'s parent process.
    Label children are made once per (method, route, status) and kept, so a request
    costs two dictionary look-ups and two increments.
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "todo_http_requests",
            "HTTP requests answered, by method, route template and status.",
            _PER_REQUEST,
            registry=registry,
        )
        self.durations = Histogram(
            "todo_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer.",
            _PER_REQUEST,
            buckets=BUCKETS,
            registry=registry,
        )
        self.unavailable = Counter(
            "todo_http_unavailable",
            "503 answers, by cause: the database unreachable or out of pooled "
            "connections, or the identity provider's keys unavailable; `/readyz` "
            "answers not_ready or draining.",
            ("cause",),
            registry=registry,
        )
        self.token_refusals = Counter(
            "todo_http_token_refusals",
            "Requests refused for their bearer token (401, 403 for a deactivated user), by reason.",
            ("reason",),
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "todo_db_pool_connections_in_use",
            "Database connections checked out of the pool, summed over live workers.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_max = Gauge(
            "todo_db_pool_connections_max",
            "Connections the pool may open (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW), "
            "summed over live workers.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._per_request: dict[tuple[str, str, int], _Recorders] = {}
        # Made up front, so that each series exists (at 0) before its first event.
        self._refusals = {reason: self.token_refusals.labels(reason) for reason in REFUSAL_REASONS}
        self._unavailable = {cause: self.unavailable.labels(cause) for cause in UNAVAILABLE_CAUSES}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Record one answered request (a `ResponseObserver`)."""
        method = scope["method"]
        if method not in METHODS:
            method = "other"  # a client may send any token as its method
        key = (method, route_template(scope), status)
        recorders = self._per_request.get(key)
        if recorders is None:
            recorders = self._per_request[key] = (
                self.requests.labels(*key).inc,
                self.durations.labels(*key).observe,
            )
        count, time = recorders
        count()
        time(seconds)
        if status == 503:
            cause = scope["state"].get(PROBLEM_CAUSE, "other")
            self._unavailable.get(cause, self._unavailable["other"]).inc()
        elif status in (401, 403) and PROBLEM_CAUSE in scope["state"]:
            reason = scope["state"][PROBLEM_CAUSE]
            self._refusals.get(reason, self._refusals["invalid"]).inc()

    def watch(self, container: Container) -> None:
        """Follow the connection pool of the container's SQL storage, if it has one."""
        storage = container.storage()
        if not isinstance(storage, SqlStorage) or not isinstance(storage.engine.pool, QueuePool):
            return  # memory, or an in-memory SQLite database: no pool to speak of
        settings = container.settings()
        self.pool_max.set(settings.database_pool_size + settings.database_max_overflow)
        in_use = self.pool_in_use

        # Counted up and down in pairs: a checkout that failed before reaching this
        # listener (the database away, a failed ping) is checked in all the same, and
        # must not count down. The mark lives as long as the pool's record does.
        def checked_out(_connection: Any, record: Any, _proxy: Any) -> None:
            record.record_info[_COUNTED] = True
            in_use.inc()

        def checked_in(_connection: Any, record: Any) -> None:
            if record.record_info.pop(_COUNTED, False):
                in_use.dec()

        event.listen(storage.engine, "checkout", checked_out)
        event.listen(storage.engine, "checkin", checked_in)
