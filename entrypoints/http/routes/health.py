from typing import Annotated

from fastapi import APIRouter

from todo_service.application import StorageUnavailableError
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.errors import documented
from todo_service.entrypoints.http.examples import answers
from todo_service.entrypoints.http.provided import provided
from todo_service.entrypoints.http.schemas import Status
from todo_service.entrypoints.storage import Storage

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    summary="Liveness",
    description="200 while the process serves requests; touches neither the database nor auth.",
    responses=answers(200, {"status": "ok"}),
)
async def healthz() -> Status:
    # On the event loop, not in the worker threads that requests stuck on the database fill.
    return Status(status="ok")


@router.get(
    "/readyz",
    summary="Readiness",
    description="200 when the database answers, 503 (with `Retry-After`) while it does not.",
    responses={**answers(200, {"status": "ready"}), **documented(503)},
)
async def readyz(storage: Annotated[Storage, provided(Container.storage)]) -> Status:
    if not await storage.call(storage.is_reachable):
        raise StorageUnavailableError
    return Status(status="ready")
