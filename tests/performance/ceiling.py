"""The ceiling: the least work our stack allows per request, on the service's tables.

Plain Starlette, PyJWT HS256, one indexed statement per request through a psycopg 3
pool, orjson. No validation beyond what the statement needs, no use cases, no
user lookup: what the service does on top of this is what its ratio measures. It
answers the same information as the service (a todo's `order`, its `url` from
PUBLIC_BASE_URL and its version as the `ETag`, a created todo's `Location`, a bulk
delete's count), so neither is measured writing less than the other.
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

COLUMNS = (
    'id, title, description, priority, due_at, completed, completed_at, "order", '
    "created_at, updated_at, version"
)
PRIORITIES = ("low", "medium", "high")
PROBLEM_JSON = "application/problem+json"
UNAUTHORIZED = Response(
    b'{"title":"Unauthorized","status":401}', 401, {"WWW-Authenticate": "Bearer"}, PROBLEM_JSON
)
PRECONDITION_FAILED = Response(
    b'{"title":"Precondition Failed","status":412,'
    b'"detail":"`If-Match` names a version the todo is no longer at."}',
    412,
    media_type=PROBLEM_JSON,
)
PRECONDITION_REQUIRED = Response(
    b'{"title":"Precondition Required","status":428}', 428, media_type=PROBLEM_JSON
)
NOT_FOUND = Response(b'{"title":"Not Found","status":404}', 404, media_type=PROBLEM_JSON)
# The service's other placements (before or after a todo, to the end) are not benchmarked.
MOVE_UNSUPPORTED = Response(
    b'{"title":"Unprocessable Content","status":422,'
    b'"detail":"The ceiling moves a todo to the start only."}',
    422,
    media_type=PROBLEM_JSON,
)
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


def create_app() -> Starlette:
    set_json_loads(orjson.loads)
    secret = os.environ["JWT_SECRET"]
    todo_url = f"{os.environ['PUBLIC_BASE_URL']}/api/todos/"
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
        title = body["title"].strip()
        # At the end of the user's list, as the service puts a todo created without an order.
        # `::text`: PostgreSQL would type the user's parameter varchar here, text below.
        row = await one(
            "INSERT INTO todos (id, user_id, title, title_folded, description, priority, due_at, "
            'completed, completed_at, "order", created_at, updated_at, version) VALUES '
            "(%(id)s, %(user)s::text, %(title)s, %(folded)s, NULL, 1, NULL, false, NULL, "
            '(SELECT coalesce(max("order") + %(step)s, 0) FROM todos WHERE user_id = %(user)s), '
            f"now(), now(), 1) RETURNING {COLUMNS}",
            {
                "id": uuid4(),
                "user": user,
                "title": title,
                "folded": title.casefold(),
                "step": ORDER_STEP,
            },
        )
        assert row is not None
        return todo(row, 201, {"Location": f"/api/todos/{row['id']}"})

    async def toggle_todo(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        row = await one(
            "UPDATE todos SET completed = NOT completed, "
            "completed_at = CASE WHEN completed THEN NULL ELSE now() END, "
            "updated_at = now(), version = version + 1 "
            f"WHERE id = %(id)s AND user_id = %(user)s RETURNING {COLUMNS}",
            {"id": UUID(request.path_params["id"]), "user": user},
        )
        return NOT_FOUND if row is None else todo(row)

    async def move_todo(request: Request) -> Response:
        """To the start of the user's list, ORDER_STEP before its first todo."""
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        if orjson.loads(await request.body()) != {"to": "start"}:
            return MOVE_UNSUPPORTED
        row = await one(
            'UPDATE todos SET "order" = '
            '(SELECT min("order") - %(step)s FROM todos WHERE user_id = %(user)s), '
            "updated_at = now(), version = version + 1 "
            f"WHERE id = %(id)s AND user_id = %(user)s RETURNING {COLUMNS}",
            {"id": UUID(request.path_params["id"]), "user": user, "step": ORDER_STEP},
        )
        return NOT_FOUND if row is None else todo(row)

    async def delete_todos(request: Request) -> Response:
        """Every one of the user's todos the list's filters match; answers how many."""
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        params: dict[str, Any] = {"user": user}
        async with pool.connection() as conn:
            cursor = await conn.execute(
                f"DELETE FROM todos WHERE {_selection(request, params)}", params
            )
        return _json({"deleted": cursor.rowcount})

    async def patch_todo(request: Request) -> Response:
        """A new title, only at the version `If-Match` names: one conditional UPDATE."""
        user = user_of(request)
        if user is None:
            return UNAUTHORIZED
        version = _expected_version(request.headers.get("if-match"))
        if version is None:
            return PRECONDITION_REQUIRED
        title = orjson.loads(await request.body())["title"].strip()
        row = await one(
            "UPDATE todos SET title = %(title)s, title_folded = %(folded)s, "
            "updated_at = now(), version = version + 1 "
            "WHERE id = %(id)s AND user_id = %(user)s AND version = %(version)s "
            f"RETURNING {COLUMNS}",
            {
                "id": UUID(request.path_params["id"]),
                "user": user,
                "version": version,
                "title": title,
                "folded": title.casefold(),
            },
        )
        # Missing, someone else's, or at another version: the service tells the first two
        # apart (404) at the cost of another statement; the ceiling does not.
        return PRECONDITION_FAILED if row is None else todo(row)

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
