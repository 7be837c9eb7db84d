from collections.abc import Mapping
from hashlib import sha256
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from todo_service.domain import Todo
from todo_service.entrypoints.http.links import TodoLinks
from todo_service.entrypoints.http.parameters import names_etag
from todo_service.entrypoints.http.schemas import TodoOut

JSON = "application/json"


def _etag_header(description: str, example: str) -> dict[str, Any]:
    """An `ETag` response header as the OpenAPI document gives it."""
    schema = {"type": "string", "examples": [example]}
    return {"ETag": {"description": description, "required": True, "schema": schema}}


# The ETag response headers as the OpenAPI document gives them, and the 304 they allow.
TODO_ETAG = _etag_header(
    'The todo\'s version, `"<version>"`: what `If-Match` and `If-None-Match` name.', '"3"'
)
PAGE_ETAG = _etag_header(
    "Changes whenever the page would: its todos, `total` or `next_cursor`; "
    "`If-None-Match` names it.",
    '"0f6b0c0a5d2e4b7f9e3c1a8d6b4f2e10"',
)


def not_modified_documented(etag: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the 304 that a matching `If-None-Match` gets."""
    description = "Not Modified: `If-None-Match` names the current `ETag`. No body."
    return {304: {"description": description, "headers": etag}}


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
    todo: Todo,
    links: TodoLinks,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    if_none_match: str | None = None,
) -> Response:
    """A todo as a route answers it, its version as the `ETag` that `If-Match` names;
    a 304 instead when `If-None-Match` names that `ETag`."""
    etag = f'"{todo.version}"'
    if if_none_match is not None and names_etag(if_none_match, etag):
        return _not_modified(etag)
    return json_response(
        TodoOut.of(todo, links.url(todo)), status, {**(headers or {}), "ETag": etag}
    )


def digest_tagged_response(body: BaseModel, *, if_none_match: str | None = None) -> Response:
    """`body` (200) with a digest of its bytes as the `ETag`, so that the tag changes
    whenever any byte would; a 304 instead when `If-None-Match` names that `ETag`."""
    content = body.model_dump_json().encode()
    # 128 bits of SHA-256: a few µs for a full page (faster than BLAKE2 where the CPU
    # has SHA instructions), and a tag that never matches a page it was not made from.
    etag = f'"{sha256(content).hexdigest()[:32]}"'
    if if_none_match is not None and names_etag(if_none_match, etag):
        return _not_modified(etag)
    return Response(content, 200, {"ETag": etag}, JSON)


def _not_modified(etag: str) -> Response:
    # No body and no Content-Type; the edge adds what every answer carries.
    return Response(status_code=304, headers={"ETag": etag})
