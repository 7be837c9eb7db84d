from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from todo_service.application import RateLimitExceededError
from todo_service.domain import InvalidValueError
from todo_service.entrypoints.http.allowed_methods import allowed_methods
from todo_service.entrypoints.http.auth import bearer_scheme
from todo_service.entrypoints.http.problems.causes import PROBLEM_CAUSE, problem_cause
from todo_service.entrypoints.http.problems.details import problem_response
from todo_service.entrypoints.http.problems.error_table import PROBLEMS, spec_for


def _field_location(request: Request, field: str) -> str:
    # A bulk DELETE or PATCH takes its filters from the query and its changes from the body.
    return "query" if request.method == "GET" or field in request.query_params else "body"


async def handle_mapped(request: Request, error: Exception) -> JSONResponse:
    cause = problem_cause(error)
    if cause is not None:
        request.scope.setdefault("state", {})[PROBLEM_CAUSE] = cause
    errors = None
    if isinstance(error, InvalidValueError):
        loc = [_field_location(request, error.field), error.field]
        errors = [{"loc": loc, "msg": str(error), "type": "value_error"}]
    return problem_for(error, errors)


def problem_for(error: Exception, errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    """The answer the error table maps `error` to, wherever it is raised or found."""
    spec = spec_for(error)
    # Every mapped exception's message is fixed or built from safe values only.
    return problem_response(spec.status, str(error), spec.headers_for(error), errors)


async def handle_rate_limited(request: Request, error: RateLimitExceededError) -> JSONResponse:
    # Its retries are answered at the gate until the moment the 429 names (BearerGate).
    credentials = await bearer_scheme(request)
    if credentials is not None:
        request.app.recent_refusals.remember(credentials.credentials, error)
    return await handle_mapped(request, error)


async def handle_validation(request: Request, error: RequestValidationError) -> JSONResponse:
    # Only loc, msg and type: `input` and `ctx` may echo huge or secret values.
    errors = [
        {"loc": list(issue["loc"]), "msg": issue["msg"], "type": issue["type"]}
        for issue in error.errors()
    ]
    return problem_response(422, "The request is invalid; `errors` says where.", errors=errors)


_UNREADABLE_BODY = [
    {"loc": ["body"], "msg": "The body is not readable JSON", "type": "json_invalid"}
]


async def handle_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 400:
        # FastAPI's bare 400 for a body it cannot decode (not UTF-8, nested past the
        # recursion limit) is the same fault as malformed JSON, which it answers 422.
        return problem_response(422, "The body is not readable JSON.", errors=_UNREADABLE_BODY)
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return problem_response(error.status_code, str(error.detail), headers)


def unexpected_error_response() -> JSONResponse:
    return problem_response(500, "An unexpected error occurred")


async def handle_unexpected(request: Request, error: Exception) -> JSONResponse:
    return unexpected_error_response()


def exception_handlers() -> dict[Any, Any]:
    handlers: dict[Any, Any] = dict.fromkeys(
        (kind for kind in PROBLEMS if not issubclass(kind, StarletteHTTPException)),
        handle_mapped,
    )
    handlers[RateLimitExceededError] = handle_rate_limited
    handlers[RequestValidationError] = handle_validation
    handlers[StarletteHTTPException] = handle_http
    handlers[Exception] = handle_unexpected
    return handlers
