from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from todo_service.application import (
    AuthenticationUnavailableError,
    ConcurrentUpdateError,
    IdempotencyConflictError,
    InvalidTokenError,
    StorageUnavailableError,
)
from todo_service.domain import (
    InvalidValueError,
    TodoNotFoundError,
    UserDeactivatedError,
    UserNotFoundError,
    VersionConflictError,
)
from todo_service.entrypoints.http.schemas import Problem

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "5"
MAX_BODY_BYTES = 64 * 1024


class MissingCredentialsError(Exception):
    """No `Authorization: Bearer` header: a challenge, not a verdict on a token."""

    def __init__(self) -> None:
        super().__init__("A bearer token is required")


class BodyTooLargeError(StarletteHTTPException):
    """The request body passed the size limit; an HTTPException so that FastAPI lets it through."""

    def __init__(self) -> None:
        super().__init__(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    status: int
    when: str
    headers: Mapping[str, str] = field(default_factory=dict)


_RETRY = {"Retry-After": RETRY_AFTER_SECONDS}

# The one table from exceptions to responses; it also documents every operation's errors.
PROBLEMS: Mapping[type[Exception], ProblemSpec] = {
    MissingCredentialsError: ProblemSpec(401, "No bearer token.", {"WWW-Authenticate": "Bearer"}),
    InvalidTokenError: ProblemSpec(
        401,
        "The token is malformed, unsigned, expired or not for this service.",
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    ),
    UserDeactivatedError: ProblemSpec(403, "The user is deactivated."),
    TodoNotFoundError: ProblemSpec(404, "No such todo among the caller's (mine or missing alike)."),
    UserNotFoundError: ProblemSpec(404, "No such user."),
    ConcurrentUpdateError: ProblemSpec(409, "The todo kept changing under the write; retry."),
    IdempotencyConflictError: ProblemSpec(
        409, "`Idempotency-Key` was used before with a different request."
    ),
    VersionConflictError: ProblemSpec(412, "`If-Match` names a version the todo is no longer at."),
    BodyTooLargeError: ProblemSpec(413, f"The body is larger than {MAX_BODY_BYTES} bytes."),
    InvalidValueError: ProblemSpec(422, "A value breaks its rules; `errors` says which."),
    AuthenticationUnavailableError: ProblemSpec(
        503, "The identity provider's keys cannot be fetched; retry later.", _RETRY
    ),
    StorageUnavailableError: ProblemSpec(
        503, "The database is not answering; retry later.", _RETRY
    ),
}


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


# The `scope["state"]` key where a 401's, 403's or 503's cause is left for the metrics.
PROBLEM_CAUSE = "problem_cause"


def problem_cause(error: Exception) -> str | None:
    """Why a 401, 403 or 503 is answered, as one of a fixed set of labels; else None.

    Nothing in a label comes from the request: a token's refusal says which check
    failed (`expired`, `bad_signature`...), never what the token held.
    """
    if isinstance(error, InvalidTokenError):
        return error.reason
    if isinstance(error, MissingCredentialsError):
        return "missing"
    if isinstance(error, UserDeactivatedError):
        return "deactivated"
    if isinstance(error, StorageUnavailableError):
        return f"storage_{error.reason}"
    if isinstance(error, AuthenticationUnavailableError):
        return "authentication_unavailable"
    return None


def spec_for(error: Exception) -> ProblemSpec:
    for kind in type(error).__mro__:
        if kind in PROBLEMS:
            return PROBLEMS[kind]
    raise LookupError(type(error).__name__)


def _field_location(request: Request) -> str:
    return "query" if request.method == "GET" else "body"


async def handle_mapped(request: Request, error: Exception) -> JSONResponse:
    spec = spec_for(error)
    cause = problem_cause(error)
    if cause is not None:
        request.scope.setdefault("state", {})[PROBLEM_CAUSE] = cause
    errors = None
    if isinstance(error, InvalidValueError):
        loc = [_field_location(request), error.field]
        errors = [{"loc": loc, "msg": str(error), "type": "value_error"}]
    # Every mapped exception's message is fixed or built from safe values only.
    return problem_response(spec.status, str(error), spec.headers, errors)


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
        headers["Allow"] = _allowed_methods(request)
    return problem_response(error.status_code, str(error.detail), headers)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    # Starlette's Allow names only the first route matching the path, not all of them.
    def allowed(method: str) -> bool:
        scope = {**request.scope, "method": method}
        return any(route.matches(scope)[0] is Match.FULL for route in request.app.routes)

    return ", ".join(method for method in _METHODS if allowed(method))


def unexpected_error_response() -> JSONResponse:
    return problem_response(500, "An unexpected error occurred")


async def handle_unexpected(request: Request, error: Exception) -> JSONResponse:
    return unexpected_error_response()


def exception_handlers() -> dict[Any, Any]:
    handlers: dict[Any, Any] = dict.fromkeys(
        (kind for kind in PROBLEMS if not issubclass(kind, StarletteHTTPException)),
        handle_mapped,
    )
    handlers[RequestValidationError] = handle_validation
    handlers[StarletteHTTPException] = handle_http
    handlers[Exception] = handle_unexpected
    return handlers


def _example(status: int, detail: str) -> dict[str, Any]:
    example: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if status == 422:
        example["errors"] = [{"loc": ["body", "title"], "msg": "Field required", "type": "missing"}]
    return example


def _headers_doc(specs: list[ProblemSpec]) -> dict[str, Any]:
    values: dict[str, list[str]] = {}
    for spec in specs:
        for name, value in spec.headers.items():
            choices = values.setdefault(name, [])
            if f"`{value}`" not in choices:
                choices.append(f"`{value}`")
    return {
        name: {"description": " or ".join(choices), "schema": {"type": "string"}}
        for name, choices in values.items()
    }


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, from the table (problem+json bodies)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        specs = [spec for spec in PROBLEMS.values() if spec.status == status]
        description = " Or: ".join(spec.when for spec in specs)
        if status == 422:
            description = "The request or a value in it is invalid; `errors` lists each issue."
        example = _example(status, specs[0].when)
        headers = _headers_doc(specs)
        responses[status] = {
            "model": Problem,
            "description": description,
            "content": {PROBLEM_JSON: {"example": example}},
            **({"headers": headers} if headers else {}),
        }
    return responses
