from collections.abc import Mapping

from pydantic import BaseModel
from starlette.responses import Response

from todo_service.domain import Todo
from todo_service.entrypoints.http.schemas import TodoOut

JSON = "application/json"


def json_response(
    body: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`body` serialized by its schema's own (Rust) serializer, with no second validation.

    A route declares its schema as `response_model` for the OpenAPI document and
    returns this: FastAPI would otherwise validate every response against the
    schema a second time before serializing it.
    """
    return Response(body.model_dump_json(), status, headers, JSON)


def todo_response(
    todo: Todo, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A todo as a route answers it, its version as the `ETag` that `If-Match` names."""
    return json_response(TodoOut.of(todo), status, {**(headers or {}), "ETag": f'"{todo.version}"'})
