from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse

from todo_service.entrypoints.http.schemas import Problem

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    members: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem; `members` are extension members beside the standard ones."""
    problem = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail)
    body = problem.model_dump(exclude_none=True)
    if errors is not None:
        body["errors"] = errors
    body.update(members or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)
