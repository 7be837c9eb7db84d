"""The ceiling: the least work our stack allows per request, on the service's tables.

Deliberately as lean as possible, yet doing the same work per request as the service:
plain Starlette, PyJWT HS256, ONE statement per request through a psycopg 3 pool in
autocommit, orjson; no validation beyond what the statement needs, no use cases, no
ORM. What the service does on top of this is what its ratio measures, so the ceiling
must not win by doing less. Its writes keep the service's rules in that one statement,
with data-modifying CTEs:

- create records the user on first sight (refusing a deactivated one, 403), counts the
  todo in the user's usage row against the same quota (MAX_TODOS_PER_USER,
  MAX_TEXT_BYTES_PER_USER; past it 409, nothing written) and appends the todo to the
  end of the user's list;
- toggle, patch and move go one version up, only at the version `If-Match` names when
  one is sent (412 otherwise; patch requires one, 428; the service's toggle takes none);
  patch moves the user's text count when the title's size changes and is refused past
  the quota; move holds the user's usage row, as the service's moves do;
- a bulk delete leaves each todo's tombstone and takes them out of the user's usage;
- every write numbers its rows for the change log (`pg_current_xact_id()`).

It answers the same information as the service (a todo's `order`, its `url` from
PUBLIC_BASE_URL and its version as the `ETag`, a created todo's `Location`, a bulk
delete's count, the same statuses). What a single statement cannot give, it does not
fake: two concurrent moves to the start (or appends) read the same first (or last)
order from the statement's snapshot and may tie, where the service's run one at a time.
Run by the benchmark as `uvicorn --factory tests.performance.ceiling:create_app
--loop uvloop --http httptools`, the fastest stack uvicorn offers.
"""

import os
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import jwt
import orjson
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_service.domain.ordering import ORDER_STEP
from todo_service.domain.quota import DEFAULT_MAX_TEXT_BYTES, DEFAULT_MAX_TODOS

COLUMNS = (
    'id, title, description, priority, due_at, completed, completed_at, "order", '
    "created_at, updated_at, version"
)
# The change log's number of a write, as the service sets it on PostgreSQL.
CHANGE_NUMBER = "pg_current_xact_id()::text::bigint"
TEXT_BYTES = "octet_length(title) + coalesce(octet_length(description), 0)"
# At the version `If-Match` names, or at any when there is none.
AT_VERSION = "version = coalesce(%(version)s, version)"

# Create: the user recorded on first sight (or found), the todo counted in their usage
# within the quota, then the todo at the end of their list; `owner` is empty only when
# another request's first sight of the user is still uncommitted.
# `::text`: PostgreSQL would type the user's parameter varchar here and text elsewhere.
CREATE = f"""
WITH first_sight AS (
    INSERT INTO users (id, email, name, created_at, active)
    VALUES (%(user)s::text, NULL, NULL, now(), true)
    ON CONFLICT (id) DO NOTHING RETURNING active
), owner AS (
    SELECT active FROM first_sight
    UNION ALL SELECT active FROM users WHERE id = %(user)s::text
    LIMIT 1
), counted AS (
    INSERT INTO user_usage AS u (user_id, todos, text_bytes)
    SELECT %(user)s::text, 1, %(bytes)s FROM owner
    WHERE active AND %(bytes)s <= %(max_bytes)s
    ON CONFLICT (user_id) DO UPDATE
    SET todos = u.todos + 1, text_bytes = u.text_bytes + excluded.text_bytes
    WHERE u.todos < %(max_todos)s AND u.text_bytes + excluded.text_bytes <= %(max_bytes)s
    RETURNING 1
), created AS (
    INSERT INTO todos (id, user_id, title, title_folded, description, priority, due_at,
                       completed, completed_at, "order", created_at, updated_at, version,
                       change_number)
    SELECT %(id)s, %(user)s::text, %(title)s, %(folded)s, %(description)s, %(priority)s,
           NULL, false, NULL,
           (SELECT coalesce(max("order") + %(step)s, 0) FROM todos
            WHERE user_id = %(user)s::text),
           now(), now(), 1, {CHANGE_NUMBER}
    FROM counted
    RETURNING {COLUMNS}
)
SELECT owner.active, created.* FROM owner LEFT JOIN created ON true
"""

TOGGLE = f"""
UPDATE todos SET completed = NOT completed,
    completed_at = CASE WHEN completed THEN NULL ELSE now() END,
    updated_at = now(), version = version + 1, change_number = {CHANGE_NUMBER}
WHERE id = %(id)s AND user_id = %(user)s AND {AT_VERSION}
RETURNING {COLUMNS}
"""

# Patch (a new title): the todo locked at the named version; the growth of its text
# counted in the user's usage within the quota (only when its size changes, as the
# service does); the todo renamed only if that went through. An empty answer: no todo
# at that version (412); a row of NULLs: the quota refused it (409).
PATCH = f"""
WITH before AS (
    SELECT %(title_bytes)s - octet_length(title) AS grown FROM todos
    WHERE id = %(id)s AND user_id = %(user)s AND version = %(version)s
    FOR NO KEY UPDATE
), counted AS (
    UPDATE user_usage SET text_bytes = text_bytes + grown FROM before
    WHERE user_id = %(user)s AND grown <> 0
      AND (grown < 0 OR text_bytes + grown <= %(max_bytes)s)
    RETURNING 1
), renamed AS (
    UPDATE todos SET title = %(title)s, title_folded = %(folded)s, updated_at = now(),
        version = version + 1, change_number = {CHANGE_NUMBER}
    FROM before
    WHERE id = %(id)s AND user_id = %(user)s AND (grown = 0 OR EXISTS (SELECT FROM counted))
    RETURNING {COLUMNS}
)
SELECT renamed.* FROM before LEFT JOIN renamed ON true
"""

# Move to the start: ORDER_STEP before the user's first todo, with the user's usage row
# held as the service holds it for every move.
MOVE = f"""
WITH held AS (SELECT FROM user_usage WHERE user_id = %(user)s FOR NO KEY UPDATE)
UPDATE todos SET "order" = (SELECT min("order") - %(step)s FROM todos WHERE user_id = %(user)s),
    updated_at = now(), version = version + 1, change_number = {CHANGE_NUMBER}
WHERE id = %(id)s AND user_id = %(user)s AND {AT_VERSION} AND EXISTS (SELECT FROM held)
RETURNING {COLUMNS}
"""

# A bulk delete: the todos gone, their tombstones left, their count and text released.
CLEAR = f"""
WITH gone AS (
    DELETE FROM todos WHERE {{selection}} RETURNING id, {TEXT_BYTES} AS bytes
), tombstones AS (
    INSERT INTO todo_tombstones (todo_id, user_id, change_number, deleted_at)
    SELECT id, %(user)s::text, {CHANGE_NUMBER}, now() FROM gone
), released AS (
    UPDATE user_usage SET todos = todos - n, text_bytes = text_bytes - bytes
    FROM (SELECT count(*) AS n, sum(bytes) AS bytes FROM gone) AS total
    WHERE user_id = %(user)s AND n > 0
)
SELECT count(*) AS deleted FROM gone
"""

PRIORITIES = ("low", "medium", "high")
PROBLEM_JSON = "application/problem+json"


def _problem(status: int, title: str, detail: str | None = None) -> Response:
    problem = {"title": title, "status": status} | ({"detail": detail} if detail else {})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(orjson.dumps(problem), status, headers, PROBLEM_JSON)


UNAUTHORIZED = _problem(401, "Unauthorized")
DEACTIVATED = _problem(403, "Forbidden", "The user is deactivated.")
NOT_FOUND = _problem(404, "Not Found")
QUOTA_EXCEEDED = _problem(
    409, "Conflict", "The user's quota of todos, or of text, would be exceeded."
)
PRECONDITION_FAILED = _problem(
    412, "Precondition Failed", "`If-Match` names a version the todo is no longer at."
)
PRECONDITION_REQUIRED = _problem(428, "Precondition Required")
# The service's other placements (before or after a todo, to the end) are not benchmarked.
MOVE_UNSUPPORTED = _problem(
    422, "Unprocessable Content", "The ceiling moves a todo to the start only."
)
# Another request's first sight of the user is not committed yet: the service reads again.
USER_BEING_RECORDED = _problem(503, "Service Unavailable", "Retry.")
HEALTHY = Response(b'{"status":"ok"}', media_type="application/json")


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status, headers, media_type="application/json")


def _expected_version(if_match: str | None) -> int | None:
    """The version in `If-Match: "<n>"` (or `W/"<n>"`); None if absent or unreadable."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        return None


def _selection(request: Request, params: dict[str, Any]) -> str:
    """The WHERE clause of the user's todos that the list's filters in the query match;
    the values go into `params`."""
    where = "user_id = %(user)s"
    if "completed" in request.query_params:
        params["completed"] = request.query_params["completed"] == "true"
        where += " AND completed = %(completed)s"
    if "q" in request.query_params:
        params["q"] = f"%{request.query_params['q'].lower()}%"
        where += " AND title_folded LIKE %(q)s"
    return where


def _text_bytes(*texts: str | None) -> int:
    return sum(len(text.encode()) for text in texts if text)


def create_app() -> Starlette:
    set_json_loads(orjson.loads)
    secret = os.environ["JWT_SECRET"]
    todo_url = f"{os.environ['PUBLIC_BASE_URL']}/api/todos/"
    # The service's limits, from the same settings.
    max_todos = int(os.environ.get("MAX_TODOS_PER_USER", DEFAULT_MAX_TODOS))
    max_bytes = int(os.environ.get("MAX_TEXT_BYTES_PER_USER", DEFAULT_MAX_TEXT_BYTES))
    pool = AsyncConnectionPool(
        os.environ["CEILING_CONNINFO"],
        min_size=int(os.environ.get("DATABASE_POOL_SIZE", "10")),
        max_size=int(os.environ.get("DATABASE_POOL_SIZE", "10"))
        + int(os.environ.get("DATABASE_MAX_OVERFLOW", "0")),
        kwargs={"row_factory": dict_row, "autocommit": True},
        open=False,
    )

    def out(row: dict[str, Any]) -> dict[str, Any]:
        row["priority"] = PRIORITIES[row["priority"]]
        row["url"] = f"{todo_url}{row['id']}"
        return row

    def todo(
        row: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        """A todo with its version as the `ETag`, as the service answers it."""
        return _json(out(row), status, {"ETag": f'"{row["version"]}"', **(headers or {})})

    def user_of(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        try:
            claims = jwt.decode(
                header[7:], secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
        except jwt.InvalidTokenError:
            return None
        return str(claims["sub"])

    async def one(statement: str, params: dict[str, Any]) -> dict[str, Any] | None:
        async with pool.connection() as conn:
            cursor = await conn.execute(statement, params)
            return await cursor.fetchone()  # type: ignore[return-value]

    def changed(row: dict[str, Any] | None, version: int | None) -> Response:
        """A toggled or moved todo; none: missing, someone else's, or at another version
        than the one named (the service tells these apart at the cost of a statement)."""
        if row is not None:
            return todo(row)
        return NOT_FOUND if version is None else PRECONDITION_FAILED

    async def list_todos(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        params: dict[str, Any] = {"user": user, "limit": int(request.query_params.get("limit", 20))}
        where = _selection(request, params)
        keyset = ""
        if "cursor" in request.query_params:
            created, _, todo_id = urlsafe_b64decode(request.query_params["cursor"]).partition(b"|")
            params["after_created"] = datetime.fromisoformat(created.decode())
            params["after_id"] = UUID(todo_id.decode())
            keyset = " AND (created_at, id) < (%(after_created)s, %(after_id)s)"
        # One statement: the page (plus one) and the total, which an empty page still has.
        statement = (
            f"SELECT (SELECT count(*) FROM todos WHERE {where}) AS total, "
            "(SELECT coalesce(json_agg(p), '[]') FROM ("
            f"SELECT {COLUMNS} FROM todos WHERE {where}{keyset} "
            "ORDER BY created_at DESC, id DESC LIMIT %(limit)s + 1) AS p) AS items"
        )
        row = await one(statement, params)
        assert row is not None
        items = row["items"]
        next_cursor = None
        if len(items) > params["limit"]:
            items = items[: params["limit"]]
            last = items[-1]
            next_cursor = urlsafe_b64encode(f"{last['created_at']}|{last['id']}".encode()).decode()
        return _json(
            {
                "items": [out(item) for item in items],
                "total": row["total"],
                "limit": params["limit"],
                "offset": 0,
                "next_cursor": next_cursor,
            }
        )

    async def sync_todos(request: Request) -> Response:
        # What a sync since a token answers, as a bare app would read it: the user's todos
        # (the benchmark's syncer holds exactly the page), one statement, a fixed token.
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        params = {"user": user, "limit": int(request.query_params.get("limit", 100))}
        row = await one(
            "SELECT coalesce(json_agg(p), '[]') AS items FROM ("
            f"SELECT {COLUMNS} FROM todos WHERE user_id = %(user)s "
            "ORDER BY change_number, id LIMIT %(limit)s) AS p",
            params,
        )
        assert row is not None
        todos = [out(item) for item in row["items"]]
        return _json({"todos": todos, "deleted": [], "token": "t", "more": False})

    async def get_todo(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        row = await one(
            f"SELECT {COLUMNS} FROM todos WHERE id = %(id)s AND user_id = %(user)s",
            {"id": UUID(request.path_params["id"]), "user": user},
        )
        return NOT_FOUND if row is None else todo(row)

    async def create_todo(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        body = orjson.loads(await request.body())
        title, description = body["title"].strip(), body.get("description")
        row = await one(
            CREATE,
            {
                "id": uuid4(),
                "user": user,
                "title": title,
                "folded": title.casefold(),
                "description": description,
                "priority": PRIORITIES.index(body.get("priority", "medium")),
                "bytes": _text_bytes(title, description),
                "max_todos": max_todos,
                "max_bytes": max_bytes,
                "step": ORDER_STEP,
            },
        )
        if row is None:
            return USER_BEING_RECORDED
        if not row["active"]:
            return DEACTIVATED
        if row["id"] is None:
            return QUOTA_EXCEEDED
        del row["active"]
        return todo(row, 201, {"Location": f"/api/todos/{row['id']}"})

    async def toggle_todo(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        # The service's toggle takes no `If-Match`; the ceiling's honours one if sent.
        version = _expected_version(request.headers.get("if-match"))
        row = await one(
            TOGGLE, {"id": UUID(request.path_params["id"]), "user": user, "version": version}
        )
        return changed(row, version)

    async def move_todo(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        if orjson.loads(await request.body()) != {"to": "start"}:
            return MOVE_UNSUPPORTED
        version = _expected_version(request.headers.get("if-match"))
        row = await one(
            MOVE,
            {
                "id": UUID(request.path_params["id"]),
                "user": user,
                "version": version,
                "step": ORDER_STEP,
            },
        )
        return changed(row, version)

    async def delete_todos(request: Request) -> Response:
        """Every one of the user's todos the list's filters match; answers how many."""
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        params: dict[str, Any] = {"user": user}
        row = await one(CLEAR.format(selection=_selection(request, params)), params)
        assert row is not None
        return _json({"deleted": row["deleted"]})

    async def patch_todo(request: Request) -> Response:
        """A new title, only at the version `If-Match` names."""
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        version = _expected_version(request.headers.get("if-match"))
        if version is None:
            return PRECONDITION_REQUIRED
        title = orjson.loads(await request.body())["title"].strip()
        row = await one(
            PATCH,
            {
                "id": UUID(request.path_params["id"]),
                "user": user,
                "version": version,
                "title": title,
                "folded": title.casefold(),
                "title_bytes": _text_bytes(title),
                "max_bytes": max_bytes,
            },
        )
        # None: missing, someone else's, or at another version (see `changed`).
        if row is None:
            return PRECONDITION_FAILED
        return QUOTA_EXCEEDED if row["id"] is None else todo(row)

    async def healthz(_: Request) -> Response:
        return HEALTHY

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await pool.open(wait=True)
        yield
        await pool.close()

    return Starlette(
        routes=[
            Route("/api/todos", list_todos, methods=["GET"]),
            Route("/api/todos", create_todo, methods=["POST"]),
            Route("/api/todos", delete_todos, methods=["DELETE"]),
            Route("/api/todos/changes", sync_todos, methods=["GET"]),
            Route("/api/todos/{id}", get_todo, methods=["GET"]),
            Route("/api/todos/{id}", patch_todo, methods=["PATCH"]),
            Route("/api/todos/{id}/toggle-complete", toggle_todo, methods=["POST"]),
            Route("/api/todos/{id}/move", move_todo, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
