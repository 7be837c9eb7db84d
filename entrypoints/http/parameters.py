import re
from dataclasses import fields
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from todo_service.application import ListTodosRequest, TodoFilters
from todo_service.application.listing import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Sort
from todo_service.domain import Priority
from todo_service.entrypoints.http.schemas import TODO_EXAMPLE, Instant

TodoIdPath = Annotated[
    UUID,
    Path(description="The todo's id; anything but a UUID is 422.", examples=[TODO_EXAMPLE["id"]]),
]


def _entity_tag(opaque: str) -> str:
    """RFC 9110's entity-tag, `W/` (weak) or not, its opaque part (`opaque`) captured."""
    return rf'(?:W/)?"({opaque})"'


_VERSION_TAG = _entity_tag("[0-9]{1,18}")
_ANY_TAG = _entity_tag(r"[\x21\x23-\x7e]*")

IfMatch = Annotated[
    str | None,
    Header(
        pattern=rf"^\s*(\*|{_VERSION_TAG})\s*$",
        description=(
            'Act only if the todo is at this version: `"<version>"` as in the `ETag`, else 412. '
            '`W/"<version>"` is read the same way (proxies weaken ETags); `*` means any '
            "version. Any other value is 422."
        ),
        examples=['"3"'],
    ),
]
# Our ETags are versions or 32-hex digests: a client revalidating several cached answers
# sends a few, and 100 weak digests in a list take 4,000 characters. Past either bound the
# header is refused before it is parsed: a 4 MB list took 40 ms of the event loop.
MAX_IF_NONE_MATCH_TAGS = 100
MAX_IF_NONE_MATCH_LENGTH = 8192
_IF_NONE_MATCH_PATTERN = (
    rf"^\s*(\*|{_ANY_TAG}(\s*,\s*{_ANY_TAG}){{0,{MAX_IF_NONE_MATCH_TAGS - 1}}})\s*$"
)
_IF_NONE_MATCH_DESCRIPTION = (
    "Answer 304 Not Modified, with the `ETag` and no body, if the current `ETag` is "
    "one of these: a comma-separated list of ETags from earlier answers, compared "
    'weakly (`W/"3"` is `"3"`), or `*` for any. At most '
    f"{MAX_IF_NONE_MATCH_TAGS} ETags and {MAX_IF_NONE_MATCH_LENGTH} characters; "
    "any other value is 422."
)
# One entity-tag of a list and the blanks around it, matched at a given position: the
# pattern's own, with possessive repeats (nothing it matched is ever tried again), so that
# reading a list one tag at a time is linear in its length.
_LISTED_TAG = re.compile(r'\s*+(?:W/)?"([\x21\x23-\x7e]*+)"\s*+')
_IF_NONE_MATCH_LOCATION = ("header", "if-none-match")


def _listed_tags(value: str) -> list[str] | None:
    """The opaque parts of `value`'s entity-tags, in order; None unless it is a list of them."""
    tags: list[str] = []
    position, end = 0, len(value)
    while True:
        tag = _LISTED_TAG.match(value, position)
        if tag is None:
            return None
        tags.append(tag[1])
        position = tag.end()
        if position == end:
            return tags
        if value[position] != ",":
            return None
        position += 1


def _if_none_match_issue(value: str) -> dict[str, Any] | None:
    """Why `value` is not an `If-None-Match` we read, as a validation issue; None if it is.

    Its bounds are checked first, on its length and a count of its quotes (two a tag),
    so that an oversized header costs no parsing at all.
    """
    if len(value) > MAX_IF_NONE_MATCH_LENGTH:
        return {
            "type": "string_too_long",
            "msg": f"String should have at most {MAX_IF_NONE_MATCH_LENGTH} characters",
        }
    if value.count('"') > 2 * MAX_IF_NONE_MATCH_TAGS:
        return {
            "type": "too_long",
            "msg": f"At most {MAX_IF_NONE_MATCH_TAGS} ETags may be listed",
        }
    if value.strip() == "*" or _listed_tags(value) is not None:
        return None
    return {
        "type": "string_pattern_mismatch",
        "msg": f"String should match pattern '{_IF_NONE_MATCH_PATTERN}'",
    }


def if_none_match(request: Request) -> str | None:
    """The request's `If-None-Match`, None without one; 422 unless it is ETags or `*`.

    Read here rather than declared as a FastAPI `Header` parameter: FastAPI's general
    parameter path cost every GET about 7% more work (docs/performance.md), for a header
    most requests do not send. `IF_NONE_MATCH_DOCUMENTED` states it in the OpenAPI
    document as that parameter would, and the 422 names it the same way.
    """
    value = request.headers.get("if-none-match")
    if value is not None:
        issue = _if_none_match_issue(value)
        if issue is not None:
            raise RequestValidationError([{**issue, "loc": _IF_NONE_MATCH_LOCATION}])
    return value


IF_NONE_MATCH_DOCUMENTED: dict[str, Any] = {
    "parameters": [
        {
            "name": "if-none-match",
            "in": "header",
            "required": False,
            "description": _IF_NONE_MATCH_DESCRIPTION,
            "schema": {
                "anyOf": [
                    {
                        "type": "string",
                        "maxLength": MAX_IF_NONE_MATCH_LENGTH,
                        "pattern": _IF_NONE_MATCH_PATTERN,
                    },
                    {"type": "null"},
                ],
                "title": "If-None-Match",
                "description": _IF_NONE_MATCH_DESCRIPTION,
                "examples": ['"3"'],
            },
        }
    ]
}
"""`openapi_extra` of an operation that reads `if_none_match`."""
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description=(
            "Makes a retried create safe: the same key with the same body returns the "
            "original todo (201 again); with a different body, 409. Keys are per user and "
            "live 24 hours unless configured. 1-255 visible ASCII characters, e.g. a UUID."
        ),
        examples=["9b0e4c3a-2f51-4d7e-8a61-3c2d1f0e9b7a"],
    ),
]


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` that passed its pattern names; None for none or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    return int(if_match.strip().removeprefix("W/").strip('"'))


def names_etag(if_none_match: str, etag: str) -> bool:
    """Whether an `If-None-Match` that `if_none_match` let through names `etag` (one of
    ours, strong): `*`, or one of its tags by weak comparison."""
    if if_none_match.strip() == "*":
        return True
    return etag[1:-1] in (_listed_tags(if_none_match) or ())


class TodoFilterQuery(BaseModel):
    """Which of the caller's todos: the list's filters, named as in TodoFilters but `q`."""

    completed: bool | None = Field(None, description="Only done (true) or open (false) todos.")
    priority: Priority | None = Field(None, description="Only this priority.")
    title_contains: str | None = Field(
        None,
        alias="q",
        description="Case-insensitive substring of the title; % and _ are literal.",
    )
    due_before: Instant | None = Field(
        None, description="Due strictly before this instant (with offset)."
    )
    due_after: Instant | None = Field(
        None, description="Due strictly after this instant (with offset)."
    )

    def to_filters(self) -> TodoFilters:
        return TodoFilters(**{field.name: getattr(self, field.name) for field in _FILTERS})


class TodoSelection(TodoFilterQuery):
    """The todos a bulk action changes: those the filters match, all of them without one.

    Any other query parameter is refused (422), unlike the list's: a misspelt filter
    must not turn "delete my completed todos" into "delete all my todos".
    """

    model_config = ConfigDict(extra="forbid")


class TodoListQuery(TodoFilterQuery):
    """The list operation's query parameters: the filters, the sort and the page.
    Unknown parameters are ignored."""

    sort: str = Field(
        str(Sort()), description=f"{Sort.SYNTAX}; ties broken by id.", examples=["due_at:asc"]
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.", examples=[DEFAULT_LIMIT]
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Matching todos to skip.", examples=[0])
    cursor: str | None = Field(
        None, description="`next_cursor` of the previous page; not with a non-zero offset."
    )

    def to_request(self) -> ListTodosRequest:
        return ListTodosRequest(self.to_filters(), self.sort, self.limit, self.offset, self.cursor)


_FILTERS = fields(TodoFilters)
