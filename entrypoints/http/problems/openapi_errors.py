from http import HTTPStatus
from typing import Any

from todo_service.entrypoints.http.problems.details import PROBLEM_JSON
from todo_service.entrypoints.http.problems.error_table import PROBLEMS, ProblemSpec
from todo_service.entrypoints.http.schemas import Problem

# What any operation behind a bearer token may answer: no or a bad token, a
# deactivated user, the identity provider's keys or the database away.
AUTH_ERRORS = (401, 403, 503)
# What every todo operation may answer: those, and its user's rate limit spent.
TODO_ERRORS = (*AUTH_ERRORS, 429)


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
        for name, meaning in spec.header_meanings.items():
            values.setdefault(name, []).append(meaning)
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
