"""The writes of `TodoWrites` on PostgreSQL: each one statement, one round trip.

A bulk delete is a data-modifying WITH; a bulk update calls todo_change_v1 for each
matching todo. Each other write calls a database function of migration 0010
(docs/adr/0026). A function settles
only a write that goes through as asked; where anything is off (an inactive owner, a
key already held, a quota reached, no free order where the todo goes, a missing todo or
anchor, another version) it changes nothing and answers NOT_SETTLED, and the write is done
again in steps (`application.stepwise_writes`), where the domain decides and answers
with its own error. So a refusal costs the round trips it did before; an accepted write
costs one. The contract suite (tests/contract) holds both paths to the same answers.
"""

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from todo_service.adapters.sql.errors import sqlstate
from todo_service.adapters.sql.listing import matching, matching_clauses
from todo_service.adapters.sql.mapping import IDEMPOTENCY_KEYS, TODOS, USERS
from todo_service.adapters.sql.session import SqlSession
from todo_service.adapters.sql.statements import (
    POSTGRES_CHANGE_NUMBER,
    column_parameter,
    todo_text_bytes,
)
from todo_service.adapters.sql.tables import todos_table, tombstones_table, user_usage_table
from todo_service.adapters.sql.types import UtcDateTime
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import TodoFilters
from todo_service.application.plain import plain
from todo_service.application.ports import TOGGLE, TodoWrites, Toggle
from todo_service.domain import Placement, Quota, Todo, TodoChanges, TodoId, User, UserId
from todo_service.domain.ordering import ORDER_STEP, After, Before, Edge
from todo_service.domain.values import MAX_ORDER

log = logging.getLogger("todo.database")

# What a function answers when it leaves the write to the steps (migration 0010).
NOT_SETTLED = "TD000"
# PostgreSQL's undefined_function: a database not migrated to revision 0010 yet.
_UNDEFINED_FUNCTION = "42883"


def _call(function: str, **parameters: str) -> sa.TextualSelect:
    """`SELECT <the todo's columns> FROM function(...)` with each parameter cast to its SQL
    type, read back as rows of `todos`: the function's arguments in the order the migration
    declares them."""
    arguments = ", ".join(f"CAST(:{name} AS {kind})" for name, kind in parameters.items())
    # Named, in the model's order, and matched by position: matching a `*` by name cost
    # SQLAlchemy a tenth of a millisecond a call (a migration's column stands last in the
    # table, wherever the model has it).
    columns = ", ".join(f'"{column.name}"' for column in todos_table.c)
    call = f"SELECT {columns} FROM {function}({arguments})"  # noqa: S608 - names from here
    return sa.text(call).columns(*todos_table.c)


_ADD = _call(
    "todo_add_v1",
    todo="jsonb",
    at_end="boolean",
    step="bigint",
    max_order="bigint",
    owner="jsonb",
    max_todos="bigint",
    max_text_bytes="bigint",
    claim="jsonb",
    now="timestamptz",
)
_CHANGE = _call(
    "todo_change_v1",
    owner_id="text",
    todo_id="uuid",
    changes="jsonb",
    toggle="boolean",
    expected_version="bigint",
    now="timestamptz",
    max_text_bytes="bigint",
)
_MOVE = _call(
    "todo_move_v1",
    owner_id="text",
    todo_id="uuid",
    place="text",
    anchor_id="uuid",
    expected_version="bigint",
    now="timestamptz",
    step="bigint",
    max_order="bigint",
)
_REMOVE = _call(
    "todo_remove_v1",
    owner_id="text",
    todo_id="uuid",
    expected_version="bigint",
    deleted_at="timestamptz",
)


class PostgresTodoWrites(TodoWrites):
    """`TodoWrites` in one statement each, and in steps (`in_steps`) when it is not settled."""

    # Whether a missing function was reported: once per process is enough.
    _reported_missing = False

    def __init__(self, session: SqlSession, in_steps: TodoWrites) -> None:
        self._session = session
        self._in_steps = in_steps

    def add(
        self,
        todo: Todo,
        *,
        owner: User,
        quota: Quota,
        at_end: bool,
        claim: IdempotencyRecord | None,
        now: datetime,
    ) -> Todo | IdempotencyRecord:
        parameters = {
            "todo": _json(TODOS.values(todo)),
            "at_end": at_end,
            "step": ORDER_STEP,
            "max_order": MAX_ORDER,
            "owner": _json(USERS.values(owner)),
            "max_todos": quota.max_todos,
            "max_text_bytes": quota.max_text_bytes,
            "claim": None if claim is None else _json(IDEMPOTENCY_KEYS.values(claim)),
            "now": now,
        }
        added = self._settled(_ADD, parameters)
        if added is None:
            return self._in_steps.add(
                todo, owner=owner, quota=quota, at_end=at_end, claim=claim, now=now
            )
        return added

    def change(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        change: TodoChanges | Toggle,
        *,
        now: datetime,
        quota: Quota,
        expected_version: int | None = None,
    ) -> Todo:
        given = {} if change is TOGGLE else change.given()
        parameters = {
            "owner_id": owner_id.value,
            "todo_id": todo_id,
            "changes": _json(TODOS.values_of(given)),
            "toggle": change is TOGGLE,
            "expected_version": expected_version,
            "now": now,
            "max_text_bytes": quota.max_text_bytes,
        }
        changed = self._settled(_CHANGE, parameters)
        if changed is None:
            return self._in_steps.change(
                owner_id, todo_id, change, now=now, quota=quota, expected_version=expected_version
            )
        return changed

    def remove(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        *,
        now: datetime,
        expected_version: int | None = None,
    ) -> None:
        parameters = {
            "owner_id": owner_id.value,
            "todo_id": todo_id,
            "expected_version": expected_version,
            "deleted_at": now,
        }
        if self._settled(_REMOVE, parameters) is None:
            self._in_steps.remove(owner_id, todo_id, now=now, expected_version=expected_version)

    def change_matching(
        self, owner_id: UserId, filters: TodoFilters, changes: TodoChanges, *, now: datetime
    ) -> int:
        # Each matching todo through todo_change_v1, in one statement: if the function
        # does not settle any one of them (a version at its maximum), all go in steps.
        used, parameters = matching(owner_id, filters)
        parameters |= {
            "changes": _json(TODOS.values_of(changes.given())),
            "now": now,
            # A bulk change leaves text alone (BULK_FIELDS): no quota is consulted, as in
            # the steps.
            "max_text_bytes": None,
        }
        row = self._settled_row(_change_of_matching(used), parameters)
        if row is None:
            return self._in_steps.change_matching(owner_id, filters, changes, now=now)
        return int(row[_CHANGED])

    def remove_matching(self, owner_id: UserId, filters: TodoFilters, *, now: datetime) -> int:
        # Nothing to settle: every matching todo goes, whatever its version. Under READ
        # COMMITTED the DELETE checks the filters again on a row changed meanwhile.
        used, parameters = matching(owner_id, filters)
        statement = _removal_of_matching(used)
        [row] = self._session.write_alone(statement, {**parameters, "deleted_at": now})
        return int(row[_REMOVED])

    def move(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        placement: Placement,
        *,
        now: datetime,
        expected_version: int | None = None,
    ) -> Todo:
        match placement:
            case Edge():
                place, anchor = placement.value, None
            case Before(anchor):
                place = "before"
            case After(anchor):
                place = "after"
        parameters = {
            "owner_id": owner_id.value,
            "todo_id": todo_id,
            "place": place,
            "anchor_id": anchor,
            "expected_version": expected_version,
            "now": now,
            "step": ORDER_STEP,
            "max_order": MAX_ORDER,
        }
        moved = self._settled(_MOVE, parameters)
        if moved is None:
            return self._in_steps.move(
                owner_id, todo_id, placement, now=now, expected_version=expected_version
            )
        return moved

    def _settled(
        self, statement: sa.TextualSelect, parameters: Mapping[str, object]
    ) -> Todo | None:
        """The todo the write left, or None when its function did not settle it (or is
        missing: the database is behind the release, and the steps still work there)."""
        row = self._settled_row(statement, parameters)
        return None if row is None else TODOS.load(row)

    def _settled_row(
        self, statement: sa.Executable, parameters: Mapping[str, object]
    ) -> sa.RowMapping | None:
        try:
            [row] = self._session.write_alone(statement, parameters)
        except sa.exc.DBAPIError as error:
            code = sqlstate(error)
            if code == _UNDEFINED_FUNCTION and not PostgresTodoWrites._reported_missing:
                PostgresTodoWrites._reported_missing = True
                log.warning(
                    "the database lacks the write functions of migration 0010: writes run "
                    "in several round trips until `todo migrate` brings it up to date"
                )
            if code in (NOT_SETTLED, _UNDEFINED_FUNCTION):
                return None
            raise
        return row


_CHANGED = "changed"
_REMOVED = "removed"


@cache  # one per set of filters used, as the listings are (listing.py)
def _change_of_matching(filters: frozenset[str]) -> sa.Select[Any]:
    """One statement, a transaction of its own: the matching todos locked in id order, as
    the steps lock them, then each changed by todo_change_v1; how many changed version."""
    todos = todos_table.c
    matched = (
        sa.select(todos.id, todos.version)
        .where(*matching_clauses(filters))
        .order_by(todos.id)
        .with_for_update()
        .subquery("matched")
    )
    after = (
        sa.func.todo_change_v1(
            column_parameter(todos.user_id, "owner"),
            matched.c.id,
            sa.cast(sa.bindparam("changes", type_=sa.Text()), JSONB),
            sa.false(),
            sa.null(),
            sa.bindparam("now", type_=UtcDateTime()),
            sa.bindparam("max_text_bytes", type_=sa.BigInteger()),
        )
        .table_valued(sa.column("version", sa.BigInteger()))
        .lateral("after")
    )
    changed = sa.func.count().filter(after.c.version != matched.c.version)
    return sa.select(changed.label(_CHANGED)).select_from(matched.join(after, sa.true()))


@cache  # one per set of filters used, as the listings are (listing.py)
def _removal_of_matching(filters: frozenset[str]) -> sa.Select[Any]:
    """One statement, a transaction of its own: the matching todos deleted, each leaving
    its tombstone, and taken out of their owner's usage; as `StepwiseTodoWrites` does."""
    todos, usage = todos_table.c, user_usage_table.c
    gone = (
        sa.delete(todos_table)
        .where(*matching_clauses(filters))
        .returning(todos.id, todos.user_id, todo_text_bytes("postgresql").label("text_bytes"))
        .cte("gone")
    )
    deleted_at = sa.bindparam("deleted_at", type_=UtcDateTime())
    logged = sa.insert(tombstones_table).from_select(
        ["todo_id", "user_id", "change_number", "deleted_at"],
        sa.select(gone.c.id, gone.c.user_id, POSTGRES_CHANGE_NUMBER, deleted_at),
    )
    count = sa.select(sa.func.count()).select_from(gone).scalar_subquery()
    freed = sa.select(sa.func.coalesce(sa.func.sum(gone.c.text_bytes), 0)).scalar_subquery()
    released = (
        sa.update(user_usage_table)
        .where(usage.user_id == column_parameter(usage.user_id, "owner"))
        .values(todos=usage.todos - count, text_bytes=usage.text_bytes - freed)
    )
    return (
        sa.select(sa.func.count().label(_REMOVED))
        .select_from(gone)
        .add_cte(logged.cte("logged"), released.cte("released"))
    )


def _json(values: Mapping[str, Any]) -> str:
    """Column values as the JSON object a function reads a row from (jsonb_populate_record)."""
    return json.dumps({column: _plain(value) for column, value in values.items()})


def _plain(value: object) -> object:
    return str(value) if isinstance(value, UUID) else plain(value)
