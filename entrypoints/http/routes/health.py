from typing import Annotated

from fastapi import APIRouter, Request, Response

from todo_service.application import StorageUnavailableError
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.database_watch import DatabaseWatch
from todo_service.entrypoints.http.openapi.examples import answers
from todo_service.entrypoints.http.problems.causes import PROBLEM_CAUSE
from todo_service.entrypoints.http.problems.details import problem_response
from todo_service.entrypoints.http.problems.error_table import PROBLEMS
from todo_service.entrypoints.http.problems.openapi_errors import documented
from todo_service.entrypoints.http.provided import provided
from todo_service.entrypoints.http.responses import json_response
from todo_service.entrypoints.http.schemas import Status
from todo_service.entrypoints.http.serving.stopping import SERVER_DRAINING

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    summary="Liveness",
    description="200 while the process serves requests; touches neither the database nor auth.",
    responses=answers(200, {"status": "ok"}),
)
async def check_liveness() -> Status:
    # On the event loop, not in the worker threads that requests stuck on the database fill.
    return Status(status="ok")


@router.get(
    "/readyz",
    summary="Readiness",
    description="200 when the database takes a write (readiness rewrites a row of its own, "
    "never users' data). While it does not, 503 with `Retry-After` and `not_ready` naming "
    "the dependency and whether it is `unreachable` (may come back), `misconfigured` (will "
    "not, until the configuration changes) or `read_only` (answers but refuses writes: a "
    "read-only database or standby, a disk too full to commit); never the URL. "
    'Also 503, with `not_ready: {"server": "draining"}`, from SIGTERM until the '
    "worker stops (DRAIN_SECONDS), so that a load balancer sends its requests elsewhere.",
    response_model=Status,
    responses={**answers(200, {"status": "ready"}), **documented(503)},
)
async def check_readiness(
    request: Request,
    watch: Annotated[DatabaseWatch, provided(Container.database_watch)],
) -> Response:
    spec = PROBLEMS[StorageUnavailableError]
    state = request.scope.setdefault("state", {})
    if SERVER_DRAINING.is_set():
        state[PROBLEM_CAUSE] = "draining"  # for the metrics' 503s by cause
        # Before the database: a balancer must see a draining worker go, whatever it answers.
        return problem_response(
            spec.status, "Not ready: the server is stopping.", spec.headers,
            members={"not_ready": {"server": "draining"}},
        )  # fmt: skip
    problem = await watch.check()
    if problem is None:
        return json_response(Status(status="ready"))
    state[PROBLEM_CAUSE] = "not_ready"
    return problem_response(
        spec.status, "Not ready: the database cannot be used.", spec.headers,
        members={"not_ready": {"database": problem.state}},
    )  # fmt: skip
