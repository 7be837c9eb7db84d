from inspect import cleandoc
from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from todo_service.application.changes import MAX_TOKEN_LENGTH
from todo_service.application.listing import MAX_LIMIT
from todo_service.application.use_cases import (
    CreateTodo,
    DeleteTodo,
    DeleteTodos,
    GetTodo,
    ListTodos,
    MoveTodo,
    SyncTodos,
    ToggleTodo,
    UpdateTodo,
    UpdateTodos,
)
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.auth import AuthenticatedCaller
from todo_service.entrypoints.http.links import todo_links
from todo_service.entrypoints.http.live_updates import (
    EVENT_EXAMPLE,
    LIVE_UPDATES_DESCRIPTION,
    events,
)
from todo_service.entrypoints.http.openapi.examples import (
    PAGE_EXAMPLE,
    TODO_CREATE_EXAMPLES,
    TODO_MOVE_EXAMPLES,
    TODO_PATCH_EXAMPLES,
    TODOS_PATCH_EXAMPLES,
    answers,
)
from todo_service.entrypoints.http.parameters import (
    IF_NONE_MATCH_DOCUMENTED,
    IdempotencyKey,
    IfMatch,
    TodoIdPath,
    TodoListQuery,
    TodoSelection,
    expected_version,
    if_none_match,
)
from todo_service.entrypoints.http.problems.openapi_errors import TODO_ERRORS, documented
from todo_service.entrypoints.http.provided import provided
from todo_service.entrypoints.http.responses import (
    PAGE_ETAG,
    TODO_ETAG,
    digest_tagged_response,
    json_response,
    not_modified_documented,
    todo_response,
)
from todo_service.entrypoints.http.schemas import (
    SYNC_TOKEN_EXAMPLE,
    TODO_EXAMPLE,
    ChangesOut,
    TodoCreate,
    TodoMove,
    TodoOut,
    TodoPageOut,
    TodoPatch,
    TodosDeleted,
    TodosPatch,
    TodosUpdated,
)

router = APIRouter(prefix="/api/todos", tags=["todos"])

_WRITE = (*TODO_ERRORS, 413, 422)
_SELECTED_BY_QUERY = "\n\nThe query takes the list's filters; any other query parameter is 422."
# A proxy that buffers answers (nginx does unless told) would hold every event back.
_STREAM_HEADERS = {"X-Accel-Buffering": "no"}


@router.get(
    "",
    response_model=TodoPageOut,
    summary="List my todos",
    description=cleandoc(ListTodos.__doc__ or "") + "\n\nUnknown query parameters are ignored.",
    response_description="The page, with an `ETag` that changes whenever the page would.",
    responses={
        **answers(200, PAGE_EXAMPLE, PAGE_ETAG),
        **not_modified_documented(PAGE_ETAG),
        **documented(*TODO_ERRORS, 422),
    },
    openapi_extra=IF_NONE_MATCH_DOCUMENTED,
)
async def list_todos(
    *,
    caller: AuthenticatedCaller,
    list_todos: Annotated[ListTodos, provided(Container.list_todos)],
    query: Annotated[TodoListQuery, Query()],
    request: Request,
) -> Response:
    condition = if_none_match(request)
    found = await caller.act(list_todos, query.to_request())
    page = TodoPageOut.of(found, todo_links(request).url)
    return digest_tagged_response(page, if_none_match=condition)


# Before `/{todo_id}`, which would otherwise take "changes" for an id (and answer 422).
@router.get(
    "/changes",
    response_model=ChangesOut,
    summary="What changed in my todos since a token",
    description=cleandoc(SyncTodos.__doc__ or ""),
    response_description="The changes since `token`, and the token to ask with next.",
    responses={
        **answers(200, {"todos": [TODO_EXAMPLE], "deleted": [], "token": "…", "more": False}),
        **documented(*TODO_ERRORS, 410, 422),
    },
)
async def sync_todos(
    *,
    caller: AuthenticatedCaller,
    sync_todos: Annotated[SyncTodos, provided(Container.sync_todos)],
    request: Request,
    token: Annotated[
        str | None,
        Query(
            max_length=MAX_TOKEN_LENGTH,
            description="The `token` of the last answer; none for a full sync.",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Changes per page at most.")
    ] = MAX_LIMIT,
) -> Response:
    page = await caller.act(sync_todos, token, limit)
    return json_response(ChangesOut.of(page, todo_links(request).url))


@router.get(
    "/events",
    summary="Live updates of my todos (Server-Sent Events)",
    description=LIVE_UPDATES_DESCRIPTION,
    response_class=StreamingResponse,
    response_description="A `text/event-stream` of `changes` events, each a `ChangesOut`.",
    responses={
        200: {
            "content": {
                "text/event-stream": {"schema": {"type": "string"}, "example": EVENT_EXAMPLE}
            }
        },
        **documented(*TODO_ERRORS, 410, 422, 429, 503),
    },
)
async def stream_todos(
    *,
    caller: AuthenticatedCaller,
    sync_todos: Annotated[SyncTodos, provided(Container.stream_sync)],
    request: Request,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=MAX_TOKEN_LENGTH,
            description="The `id` of the last event received (a sync token): resume there. "
            "Without it the stream starts with every todo the caller holds.",
            examples=[SYNC_TOKEN_EXAMPLE],
        ),
    ] = None,
) -> Response:
    # Checked, and the first page read, before the answer starts: a bad token is a 422.
    first = await caller.act(sync_todos, last_event_id)
    live = request.app.live_updates
    stream = live.open(caller.user.id)
    body = events(
        live,
        stream,
        lambda token: caller.act(sync_todos, token),
        first,
        todo_links(request).url,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers=_STREAM_HEADERS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TodoOut,
    summary="Create a todo",
    description=cleandoc(CreateTodo.__doc__ or ""),
    response_description="The created todo; `Location` names it and `ETag` is its version.",
    responses={**answers(201, TODO_EXAMPLE, TODO_ETAG), **documented(*_WRITE, 409)},
)
async def create_todo(
    *,
    body: Annotated[TodoCreate, Body(openapi_examples=TODO_CREATE_EXAMPLES)],
    caller: AuthenticatedCaller,
    create_todo: Annotated[CreateTodo, provided(Container.create_todo)],
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    todo = await caller.act(create_todo, body.to_domain(), idempotency_key)
    links = todo_links(request)
    return todo_response(todo, links, 201, {"Location": links.path(todo.id)})


@router.get(
    "/{todo_id}",
    response_model=TodoOut,
    summary="Get a todo",
    description=cleandoc(GetTodo.__doc__ or ""),
    response_description='The todo, with `ETag: "<version>"`.',
    responses={
        **answers(200, TODO_EXAMPLE, TODO_ETAG),
        **not_modified_documented(TODO_ETAG),
        **documented(*TODO_ERRORS, 404, 422),
    },
    openapi_extra=IF_NONE_MATCH_DOCUMENTED,
)
async def get_todo(
    todo_id: TodoIdPath,
    caller: AuthenticatedCaller,
    get_todo: Annotated[GetTodo, provided(Container.get_todo)],
    request: Request,
) -> Response:
    condition = if_none_match(request)
    todo = await caller.act(get_todo, todo_id)
    return todo_response(todo, todo_links(request), if_none_match=condition)


@router.patch(
    "/{todo_id}",
    response_model=TodoOut,
    summary="Change a todo",
    description=cleandoc(UpdateTodo.__doc__ or ""),
    response_description="The todo after the change, with its new `ETag`.",
    responses={**answers(200, TODO_EXAMPLE, TODO_ETAG), **documented(*_WRITE, 404, 409, 412)},
)
async def update_todo(
    *,
    todo_id: TodoIdPath,
    body: Annotated[TodoPatch, Body(openapi_examples=TODO_PATCH_EXAMPLES)],
    caller: AuthenticatedCaller,
    update_todo: Annotated[UpdateTodo, provided(Container.update_todo)],
    request: Request,
    if_match: IfMatch = None,
) -> Response:
    changes = body.to_domain()
    todo = await caller.act(update_todo, todo_id, changes, expected_version(if_match))
    return todo_response(todo, todo_links(request))


@router.delete(
    "/{todo_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a todo",
    description=cleandoc(DeleteTodo.__doc__ or ""),
    response_description="Deleted; no body.",
    responses=documented(*TODO_ERRORS, 404, 409, 412, 422),
)
async def delete_todo(
    todo_id: TodoIdPath,
    caller: AuthenticatedCaller,
    delete_todo: Annotated[DeleteTodo, provided(Container.delete_todo)],
    if_match: IfMatch = None,
) -> None:
    await caller.act(delete_todo, todo_id, expected_version(if_match))


@router.post(
    "/{todo_id}/toggle-complete",
    response_model=TodoOut,
    summary="Flip whether a todo is done",
    description=cleandoc(ToggleTodo.__doc__ or ""),
    response_description="The todo after the flip, with its new `ETag`.",
    responses={
        **answers(200, TODO_EXAMPLE, TODO_ETAG),
        **documented(*TODO_ERRORS, 404, 409, 422),
    },
)
async def toggle_todo(
    todo_id: TodoIdPath,
    caller: AuthenticatedCaller,
    toggle_todo: Annotated[ToggleTodo, provided(Container.toggle_todo)],
    request: Request,
) -> Response:
    return todo_response(await caller.act(toggle_todo, todo_id), todo_links(request))


@router.post(
    "/{todo_id}/move",
    response_model=TodoOut,
    summary="Move a todo in my list",
    description=cleandoc(MoveTodo.__doc__ or ""),
    response_description="The todo in its new place, with its new `ETag` (as it was, if it "
    "already stood there).",
    responses={
        **answers(200, TODO_EXAMPLE, TODO_ETAG),
        **documented(*_WRITE, 404, 409, 412),
    },
)
async def move_todo(
    *,
    todo_id: TodoIdPath,
    body: Annotated[TodoMove, Body(openapi_examples=TODO_MOVE_EXAMPLES)],
    caller: AuthenticatedCaller,
    move_todo: Annotated[MoveTodo, provided(Container.move_todo)],
    request: Request,
    if_match: IfMatch = None,
) -> Response:
    placement = body.to_domain()
    todo = await caller.act(move_todo, todo_id, placement, expected_version(if_match))
    return todo_response(todo, todo_links(request))


@router.delete(
    "",
    response_model=TodosDeleted,
    summary="Delete my todos that match",
    description=cleandoc(DeleteTodos.__doc__ or "") + _SELECTED_BY_QUERY,
    response_description="How many were deleted.",
    responses={
        **answers(200, {"deleted": 3}),
        **documented(*TODO_ERRORS, 409, 422),
    },
)
async def delete_todos(
    *,
    selection: Annotated[TodoSelection, Query()],
    caller: AuthenticatedCaller,
    delete_todos: Annotated[DeleteTodos, provided(Container.delete_todos)],
) -> Response:
    deleted = await caller.act(delete_todos, selection.to_filters())
    return json_response(TodosDeleted(deleted=deleted))


@router.patch(
    "",
    response_model=TodosUpdated,
    summary="Change my todos that match",
    description=cleandoc(UpdateTodos.__doc__ or "") + _SELECTED_BY_QUERY,
    response_description="How many changed.",
    responses={
        **answers(200, {"updated": 2}),
        **documented(*_WRITE, 409),
    },
)
async def update_todos(
    *,
    selection: Annotated[TodoSelection, Query()],
    body: Annotated[TodosPatch, Body(openapi_examples=TODOS_PATCH_EXAMPLES)],
    caller: AuthenticatedCaller,
    update_todos: Annotated[UpdateTodos, provided(Container.update_todos)],
) -> Response:
    changes = body.to_domain()
    updated = await caller.act(update_todos, selection.to_filters(), changes)
    return json_response(TodosUpdated(updated=updated))
