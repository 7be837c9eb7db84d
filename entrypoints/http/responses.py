from collections.abc import Mapping

from pydantic import BaseModel
from starlette.responses import Response

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
