import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp

from todo_service.application import StorageUnavailableError
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.database_watch import DatabaseWatch
from todo_service.entrypoints.http.edge.accept_errors import summarize_accept_errors
from todo_service.entrypoints.http.edge.bearer_gate import BearerGate
from todo_service.entrypoints.http.edge.body_limit import BodySizeLimitMiddleware
from todo_service.entrypoints.http.edge.cors_preflight import CorsPolicy, CorsPreflight
from todo_service.entrypoints.http.edge.recent_refusals import RecentRefusals
from todo_service.entrypoints.http.edge.request_log import RequestLogMiddleware, ResponseObserver
from todo_service.entrypoints.http.edge.response_headers import ResponseHeadersMiddleware
from todo_service.entrypoints.http.links import TodoLinks
from todo_service.entrypoints.http.live_updates import (
    DEFAULT_STREAM_LIMITS,
    LiveUpdates,
    StreamLimits,
)
from todo_service.entrypoints.http.openapi.docs_pages import add_docs_pages
from todo_service.entrypoints.http.openapi.examples import with_nulls
from todo_service.entrypoints.http.openapi.operation_ids import operation_id
from todo_service.entrypoints.http.problems.details import PROBLEM_JSON
from todo_service.entrypoints.http.problems.handlers import exception_handlers, handle_mapped
from todo_service.entrypoints.http.routes import health, todos, users
from todo_service.entrypoints.http.serving.server import tune_garbage_collector
from todo_service.entrypoints.settings import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    Settings,
    default_base_url,
)

if TYPE_CHECKING:
    from todo_service.entrypoints.http.metrics.recorders import HttpMetrics

DESCRIPTION = """\
A todo list per user. Every `/api/*` call needs `Authorization: Bearer <JWT>`;
a user sees and changes only their own todos, and another user's todo answers
exactly like a missing one (404).

Errors are RFC 9457 problem details (`application/problem+json`); 422 adds an
`errors` list. Timestamps are RFC 3339 with an offset and come back in UTC.
"""


ROUTERS = (todos.router, users.router, health.router)


class EdgeFirstFastAPI(FastAPI):
    """FastAPI with the service's edge outside every layer of FastAPI's own.

    Starlette nests user middleware inside its error middleware; the edge goes
    around the whole stack instead, so that its response headers, request line and
    `X-Request-ID` cover every answer (a 500 too), and the answers it gives alone
    (413, a 401 without a token, a CORS preflight) cost none of FastAPI's routing and
    dependency solving.
    """

    # Told of every answered request when metrics are on (`create_app`); else nothing is.
    observer: ResponseObserver | None = None
    # CORS_ALLOW_ORIGINS (`create_app`); without it no CORS layer or header at all.
    cors: CorsPolicy | None = None
    # The tokens the rate limit refused, answered at the gate until their Retry-After.
    recent_refusals: RecentRefusals
    # Each todo's `url` and `Location`, from PUBLIC_BASE_URL (`create_app`).
    todo_links: TodoLinks
    # This worker's live update streams (`create_app`).
    live_updates: LiveUpdates

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.recent_refusals = RecentRefusals()

    def build_middleware_stack(self) -> ASGIApp:
        routes = [route for router in ROUTERS for route in router.routes]
        cors = self.cors
        # The edge (entrypoints/http/edge/), outermost first: each refuses one kind of
        # request or adds one thing to every answer. Below them all, every connection is
        # guarded (edge/connection_guard.py), which the server installs, not this stack.
        edge: list[Callable[[ASGIApp], ASGIApp]] = [
            lambda app: ResponseHeadersMiddleware(app, cors),  # security and CORS headers
            lambda app: RequestLogMiddleware(app, self.observer),  # request id, access line
            *([lambda app: CorsPreflight(app, self.routes, cors)] if cors is not None else []),
            BodySizeLimitMiddleware,  # 413 past 64 KiB, counted as the body streams in
            lambda app: BearerGate(app, routes, self.recent_refusals),  # 401 without a token
        ]
        stack = super().build_middleware_stack()
        for layer in reversed(edge):
            stack = layer(stack)
        return stack


def create_app(
    container: Container,
    *,
    metrics: "HttpMetrics | None" = None,
    cors: CorsPolicy | None = None,
    public_base_url: str = default_base_url(DEFAULT_HOST, DEFAULT_PORT),
    stream_limits: StreamLimits = DEFAULT_STREAM_LIMITS,
) -> FastAPI:
    """The HTTP entrypoint over a built container; its routes ask that container (`provided`).

    `metrics` (METRICS_PORT) record every request, and the storage's connection pool;
    `cors` (CORS_ALLOW_ORIGINS) lets the pages of its origins call the API from a browser;
    `public_base_url` (PUBLIC_BASE_URL) is where clients reach it, which each todo's
    `url` names; `stream_limits` (STREAMS_PER_USER, ...) bound its live update streams.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if container.on_event_loop():
            tune_garbage_collector()
            summarize_accept_errors(asyncio.get_running_loop())
            # A serving process says in its log when the database cannot be used, and why.
            container.database_watch().start()
        yield
        await container.database_watch().stop()
        # On the loop that used them: a storage serving on the loop can close nowhere else.
        await container.storage().close()

    app = EdgeFirstFastAPI(
        lifespan=lifespan,
        title="Todo service",
        version="1.0.0",
        description=DESCRIPTION,
        # Operation ids from the route functions' names: `listTodos`, not FastAPI's own.
        generate_unique_id_function=operation_id,
        exception_handlers={
            **exception_handlers(),
            StorageUnavailableError: _noticing_outages(container.database_watch()),
        },
        docs_url=None,
        redoc_url=None,
        # A trailing slash is a 404, never a redirect built from the Host header (ADR 0017).
        redirect_slashes=False,
        # No OpenTelemetry is set up; this spares the per-request check for it.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container
    app.cors = cors
    app.todo_links = TodoLinks(public_base_url)
    app.live_updates = LiveUpdates(container.storage, stream_limits)
    if metrics is not None:
        app.observer = metrics.observe
        metrics.watch(container)
    # The API first: routes are matched in order, and these carry the traffic.
    for router in ROUTERS:
        app.include_router(router)
    add_docs_pages(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problem_media_types(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
            app.openapi_schema = with_nulls(app.openapi_schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def edge_options(settings: Settings) -> dict[str, Any]:
    """What `create_app` takes from a serving process's settings, besides its metrics."""
    return {
        "cors": CorsPolicy.from_settings(settings),
        "public_base_url": settings.base_url,
        "stream_limits": StreamLimits(
            per_user=settings.streams_per_user,
            per_worker=settings.streams_per_worker,
            heartbeat_seconds=settings.stream_heartbeat_seconds,
            poll_seconds=settings.stream_poll_milliseconds / 1000,
        ),
    }


def _noticing_outages(
    watch: DatabaseWatch,
) -> Callable[[Request, Exception], Coroutine[Any, Any, Response]]:
    """The 503 for an unavailable database, which also has the watch look at it (once)."""

    async def handle(request: Request, error: Exception) -> Response:
        watch.noticed_failure()
        return await handle_mapped(request, error)

    return handle


def _problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are documented as application/problem+json, which they are."""
    for path in schema["paths"].values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code.isdigit() and int(code) >= 400 and "application/json" in content:
                    problem = content.setdefault(PROBLEM_JSON, {})
                    problem.update(content.pop("application/json"))
    return schema
