import gc
import logging
import resource
from functools import partial
from typing import Any

from todo_service.entrypoints.http.edge.connection_guard import (
    ConnectionLimits,
    GuardedHttpProtocol,
)
from todo_service.entrypoints.logging_setup import logging_config, readable
from todo_service.entrypoints.settings import ConfigurationError, Settings

# Descriptors a worker keeps for what is not a client's connection: the listening
# socket, the event loop's, logs, the metrics endpoint, up to 32 connections being refused
# (each held up to a second), on top of the database pool's.
DESCRIPTOR_RESERVE = 64


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for `todo serve`, in one process or several workers.

    - The fastest stack uvicorn runs on, named rather than left to "auto", so that a
      missing uvloop or httptools stops start-up instead of silently costing half
      the throughput (serving therefore needs CPython on Linux or macOS, where the
      project's dependencies install uvloop). uvloop also sets TCP_NODELAY on every
      accepted connection, which asyncio skips on the socket uvicorn shares between
      workers: without it, each response on a kept-alive connection waited ~40 ms
      for a delayed ACK.
    - httptools, through `GuardedHttpProtocol`: request heads that must complete in
      time and fit in their size limits, and at most `connection_limits()` connections
      per worker. uvicorn pickles its options to each worker, so the protocol comes
      with its limits as a partial.
    - Requests in flight when the worker stops get `shutdown_timeout_seconds`, not
      for ever (`DrainingServer` drains before that).
    - Logging is ours, in this process and (log_config) in every worker: uvicorn's
      access log would write raw paths and queries, and its log_level would reopen
      the ASGI message trace.
    """
    limits = connection_limits(settings, descriptor_limit())
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": partial(GuardedHttpProtocol, limits=limits),
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "timeout_graceful_shutdown": settings.shutdown_timeout_seconds,
        "log_config": logging_config(
            settings.log_level,
            access_log=settings.access_log,
            for_people=readable(settings.log_format),
        ),
        "access_log": False,
        # The service reads neither the client's address nor the scheme, and takes no
        # proxy's word for them: uvicorn would by default from 127.0.0.1.
        "proxy_headers": False,
    }


log = logging.getLogger("todo.serve")


def descriptor_limit() -> int | None:
    """The process's soft limit on open descriptors (`ulimit -n`); None if unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def connection_limits(settings: Settings, descriptors: int | None) -> ConnectionLimits:
    """MAX_CONNECTIONS, lowered to what the descriptor limit leaves room for.

    Past that limit a worker cannot accept at all, and the event loop drops new
    connections unanswered (libuv accepts and closes them at once); below it, the
    connection that does not fit is answered 503.
    """
    cap = settings.max_connections
    if descriptors is not None:
        reserve = DESCRIPTOR_RESERVE + settings.database_pool_size + settings.database_max_overflow
        room = descriptors - reserve
        if room < 1:
            raise ConfigurationError(
                f"the descriptor limit (ulimit -n) is {descriptors}: raise it above {reserve} "
                "to leave room for client connections"
            )
        if room < cap:
            log.warning(
                f"MAX_CONNECTIONS lowered from {cap} to {room}: the descriptor limit "
                f"(ulimit -n) is {descriptors}"
            )
            cap = room
    return ConnectionLimits(
        max_connections=cap,
        request_head_timeout_seconds=settings.request_head_timeout_seconds,
        max_request_head_bytes=settings.max_request_head_bytes,
        max_header_bytes=settings.max_header_bytes,
        request_body_timeout_seconds=settings.request_body_timeout_seconds,
        send_timeout_seconds=settings.send_timeout_seconds,
    )


def announce(settings: Settings) -> None:
    """Say where the API and its interactive docs are, as a browser here would reach them."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    base = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"
    log.info(f"Serving the API at {base}/api/todos; interactive docs at {base}/docs")


# Collect the youngest objects every 10,000 allocations rather than 700, and the older
# generations correspondingly less often: a request allocates a few thousand objects,
# nearly all freed by reference counting, and each collection walks what is alive.
GC_THRESHOLDS = (10_000, 50, 100)


def tune_garbage_collector() -> None:
    """Keep the cyclic garbage collector off the request path of a serving process.

    Everything alive once the app has started (modules, the app, the container,
    SQLAlchemy's and pydantic's compiled machinery) is moved out of the collector's
    sight (`gc.freeze`), so that no full collection walks it again. Measured on an
    authenticated GET under load: 15-20 % more throughput and a p99 cut by half.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
