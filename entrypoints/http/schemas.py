import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from todo_service.application import ChangesPage, TodoPage
from todo_service.domain import (
    After,
    Before,
    Edge,
    NewTodo,
    Placement,
    Priority,
    Todo,
    TodoChanges,
    User,
)
from todo_service.domain.ordering import ORDER_STEP
from todo_service.domain.values import MAX_ORDER, MIN_ORDER

_TODO_ID = "0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"
_CREATED = "2026-11-25T09:30:00Z"
_DUE = "2026-11-27T17:00:00Z"

# FastAPI drops every None from the OpenAPI document, nulls inside examples too: examples
# write JSON null as OPENAPI_NULL, and the app turns it back (`examples.with_nulls`).
OPENAPI_NULL = "\x00null"

_TITLE = "What to do: stripped of surrounding whitespace, 1-200 characters, no control characters."
_DESCRIPTION = "Free text, at most 5000 characters, no NUL; null for none."
_PRIORITY = "How urgent: low < medium < high."
_DUE_AT = "When it is due: RFC 3339 with an offset (a timestamp without one is 422); null for none."
_COMPLETED = "Whether it is done."
_ORDER = (
    f"Where it stands in its owner's list (`sort=order:asc`): an integer from {MIN_ORDER} to "
    f"{MAX_ORDER}; ties are broken by id. Left out on create, the todo goes to the end. "
    "To move a todo between two others, `POST .../move` finds the integer for you."
)
_ORDER_FIELD: dict[str, Any] = {
    "ge": MIN_ORDER,
    "le": MAX_ORDER,
    "description": _ORDER,
    "examples": [ORDER_STEP],
}
_TODO_URL = "http://127.0.0.1:8000/api/todos/" + _TODO_ID


# RFC 3339's shape; pydantic would also take numbers as Unix times and other ISO 8601
# forms, none of which the schema's `date-time` allows. A missing offset passes here
# so that pydantic's own "timezone" error names it.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)


def _rfc3339_text(value: object) -> object:
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return value
    raise ValueError("must be an RFC 3339 timestamp with an offset, e.g. 2026-11-27T17:00:00Z")


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]
"""An instant as clients send it: RFC 3339 text with an offset, nothing else."""


class _Request(BaseModel):
    # Unknown fields are refused: no mass assignment of id, user_id, created_at, ...
    model_config = ConfigDict(extra="forbid")


class TodoCreate(_Request):
    """A new todo; the service sets its id, timestamps and version."""

    title: str = Field(description=_TITLE, examples=["Buy milk"])
    description: str | None = Field(default=None, description=_DESCRIPTION, examples=["Oat"])
    priority: Priority = Field(default=Priority.MEDIUM, description=_PRIORITY, examples=["high"])
    due_at: Instant | None = Field(default=None, description=_DUE_AT, examples=[_DUE])
    completed: StrictBool = Field(default=False, description=_COMPLETED, examples=[False])
    order: StrictInt | None = Field(default=None, **_ORDER_FIELD)

    def to_domain(self) -> NewTodo:
        return NewTodo(**{name: getattr(self, name) for name in type(self).model_fields})


class TodoPatch(_Request):
    """Only the fields present change; `null` clears `description` or `due_at`; `{}` is a no-op."""

    # The None defaults are never validated, so an absent field is allowed while an
    # explicit null for title, priority or completed is refused (422).
    model_config = ConfigDict(validate_default=False)

    title: str = Field(default=None, description=_TITLE, examples=["Buy oat milk"])  # type: ignore[assignment]
    description: str | None = Field(default=None, description=_DESCRIPTION, examples=[None])
    priority: Priority = Field(default=None, description=_PRIORITY, examples=["low"])  # type: ignore[assignment]
    due_at: Instant | None = Field(default=None, description=_DUE_AT, examples=[_DUE])
    completed: StrictBool = Field(default=None, description=_COMPLETED, examples=[True])  # type: ignore[assignment]
    order: StrictInt = Field(
        default=None, ge=MIN_ORDER, le=MAX_ORDER, description=_ORDER, examples=[ORDER_STEP]
    )  # type: ignore[assignment]

    def to_domain(self) -> TodoChanges:
        # Only the fields the client sent: the others stay UNSET, and are left alone.
        return TodoChanges(**{name: getattr(self, name) for name in self.model_fields_set})


class _Located(BaseModel):
    """Which todo, and where it lives: first in a todo's JSON, where a reader looks."""

    id: UUID = Field(description="The todo's id, set by the service.", examples=[_TODO_ID])
    url: str = Field(
        description="Where the todo lives: GET, PATCH or DELETE it as it is. Built from the "
        "service's `PUBLIC_BASE_URL`; `Location` names its path.",
        json_schema_extra={"format": "uri"},
        examples=[_TODO_URL],
    )


class TodoOut(TodoCreate, _Located):
    """A todo as its owner sees it: its id and URL, what was given to create it (as it is
    now), and what the service set. Never carries the owner's id."""

    model_config = ConfigDict(
        # Every field is in every response, defaults or not: the schema says so.
        json_schema_serialization_defaults_required=True,
        json_schema_extra=lambda schema: schema.update(examples=[TODO_EXAMPLE]),
    )

    order: int = Field(**_ORDER_FIELD)
    completed_at: AwareDatetime | None = Field(
        description="When it was completed (UTC); null while open.", examples=[None]
    )
    created_at: AwareDatetime = Field(description="When it was created (UTC).", examples=[_CREATED])
    updated_at: AwareDatetime = Field(
        description="When it last changed (UTC).", examples=[_CREATED]
    )
    version: int = Field(
        description='Starts at 1, +1 on every change; the `ETag` is `"<version>"`.', examples=[1]
    )

    @classmethod
    def of(cls, todo: Todo, url: str) -> "TodoOut":
        # Not validated again: every value comes from a Todo, which validated it.
        return cls.model_construct(url=url, **{name: getattr(todo, name) for name in _STORED})


def _example(model: type[BaseModel]) -> dict[str, Any]:
    """A whole example of `model`, from the first example of each of its fields."""
    return {
        name: OPENAPI_NULL if field.examples[0] is None else field.examples[0]
        for name, field in model.model_fields.items()
        if field.examples
    }


TODO_EXAMPLE: dict[str, Any] = _example(TodoOut)
# What TodoOut reads off a Todo: all but the link, which is built for the request.
_STORED = [name for name in TodoOut.model_fields if name != "url"]


class TodoPageOut(BaseModel):
    """One page of the caller's todos."""

    items: list[TodoOut] = Field(description="This page's todos, in the requested order.")
    total: int = Field(description="How many of the caller's todos match the filters.", ge=0)
    limit: int = Field(description="The page size used.", examples=[20])
    offset: int = Field(description="How many matching todos were skipped.", examples=[0])
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page.",
        examples=["WyIyMDI2LTExLTI1VDA5OjMwOjAwKzAwOjAwIiwiMGI5YSJd.3q2-7w"],
    )

    @classmethod
    def of(cls, page: TodoPage, url_of: Callable[[Todo], str]) -> "TodoPageOut":
        return cls.model_construct(
            items=[TodoOut.of(todo, url_of(todo)) for todo in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            next_cursor=page.next_cursor,
        )


# An example for the docs, not a credential: a sync token says where a sync resumes.
SYNC_TOKEN_EXAMPLE = "WzEyMzQsMTc2NDk4NDAwMC4wLG51bGwsbnVsbCxudWxsXQ.q2-7wKx0"  # noqa: S105


class DeletionOut(BaseModel):
    """A todo that was deleted: forget it."""

    id: UUID = Field(description="The deleted todo's id.", examples=[_TODO_ID])
    deleted_at: AwareDatetime = Field(description="When it was deleted (UTC).", examples=[_CREATED])


class ChangesOut(BaseModel):
    """What changed in the caller's todos since `token` (all of them without one)."""

    todos: list[TodoOut] = Field(
        description="Each todo created or changed, as it is now: put it in place of yours."
    )
    deleted: list[DeletionOut] = Field(description="Each todo deleted: drop yours.")
    token: str = Field(
        description="Ask with this next time (and at once while `more` is true). Opaque.",
        examples=[SYNC_TOKEN_EXAMPLE],
    )
    more: bool = Field(description="Another page follows: ask again at once with `token`.")

    @classmethod
    def of(cls, page: ChangesPage, url_of: Callable[[Todo], str]) -> "ChangesOut":
        return cls.model_construct(
            todos=[TodoOut.of(todo, url_of(todo)) for todo in page.todos],
            deleted=[
                DeletionOut.model_construct(id=gone.todo_id, deleted_at=gone.deleted_at)
                for gone in page.deleted
            ],
            token=page.token,
            more=page.more,
        )


class TodoMove(_Request):
    """Where to move the todo, in its owner's list (`sort=order:asc`): exactly one of
    `before` or `after` another of the caller's todos, or `to` the `start` or `end`."""

    before: UUID | None = Field(
        default=None, description="Just before this todo of the caller's.", examples=[_TODO_ID]
    )
    after: UUID | None = Field(
        default=None, description="Just after this todo of the caller's.", examples=[_TODO_ID]
    )
    to: Literal["start", "end"] | None = Field(
        default=None, description="To the start or the end of the list.", examples=["start"]
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if len(self.model_fields_set) != 1 or None in self.model_dump(exclude_unset=True).values():
            raise ValueError("give exactly one of before, after or to")
        return self

    def to_domain(self) -> Placement:
        if self.before is not None:
            return Before(self.before)
        if self.after is not None:
            return After(self.after)
        return Edge.START if self.to == "start" else Edge.END


class TodosPatch(_Request):
    """What changes on every matching todo: any of `completed`, `priority` and `due_at`
    (`null` clears the due date); `{}` changes nothing. Other fields are refused (422):
    one title, description or order for many todos is no one's intent."""

    model_config = ConfigDict(validate_default=False)

    priority: Priority = Field(default=None, description=_PRIORITY, examples=["low"])  # type: ignore[assignment]
    due_at: Instant | None = Field(default=None, description=_DUE_AT, examples=[_DUE])
    completed: StrictBool = Field(default=None, description=_COMPLETED, examples=[True])  # type: ignore[assignment]

    def to_domain(self) -> TodoChanges:
        return TodoChanges(**{name: getattr(self, name) for name in self.model_fields_set})


class TodosDeleted(BaseModel):
    """What a bulk delete did."""

    deleted: int = Field(description="How many of the caller's todos were deleted.", ge=0)


class TodosUpdated(BaseModel):
    """What a bulk change did."""

    updated: int = Field(
        description="How many todos changed (one already as asked is not counted).", ge=0
    )


class UserOut(BaseModel):
    """The caller, as recorded on first sight of their token."""

    id: str = Field(description="The token's `sub`.", examples=["alice"])
    email: str | None = Field(description="From the token's `email` claim.", examples=["a@x.org"])
    name: str | None = Field(description="From the token's `name` claim.", examples=["Alice"])
    created_at: AwareDatetime = Field(description="First seen (UTC).", examples=[_CREATED])

    @classmethod
    def of(cls, user: User) -> Self:
        return cls(id=user.id.value, email=user.email, name=user.name, created_at=user.created_at)


class Status(BaseModel):
    status: str = Field(description="`ok` when alive, `ready` when serving.", examples=["ok"])


class ValidationIssue(BaseModel):
    loc: list[str | int] = Field(
        description="Where: `body`, `query`, `path` or `header`, then the field.",
        examples=[["body", "title"]],
    )
    msg: str = Field(description="What is wrong.", examples=["title must not be blank"])
    type: str = Field(description="A machine-readable kind.", examples=["value_error"])


class Problem(BaseModel):
    """An RFC 9457 problem: the body of every error response (application/problem+json)."""

    type: str = Field(default="about:blank", description="Always `about:blank`.")
    title: str = Field(description="The status's reason phrase.", examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(description="What went wrong, for people.", examples=["Todo not found"])
    errors: list[ValidationIssue] | None = Field(
        default=None, description="Only on 422: one entry per invalid input."
    )
