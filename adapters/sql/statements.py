"""Every statement the repositories run, but the listings: built once per dialect.

Each is executed with its values as parameters (`sa.bindparam`), never rebuilt per
call: constructing a statement cost more Python than the round trip it makes. The
listings, whose shape depends on the query, are built and cached in `listing.py`.
"""

import operator
from collections.abc import Iterable
from functools import cache, partial, reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from todo_service.adapters.sql.tables import (
    change_clock_table,
    idempotency_keys_table,
    todos_table,
    tombstones_table,
    user_usage_table,
    users_table,
)
from todo_service.adapters.sql.types import UtcDateTime
from todo_service.domain.quota import QUOTA_TEXT_FIELDS

todos, users, keys = todos_table.c, users_table.c, idempotency_keys_table.c
tombstones = tombstones_table.c


def column_parameter(column: sa.Column[Any], name: str | None = None) -> sa.BindParameter[Any]:
    """A bound parameter typed as `column`, named after it unless told otherwise."""
    return sa.bindparam(name or column.name, type_=column.type)


# A todo is always addressed with its owner: another user's todo matches nothing.
_TODO_KEY = (
    todos.id == column_parameter(todos.id, "key_id"),
    todos.user_id == column_parameter(todos.user_id, "key_user_id"),
)
_AT_VERSION = todos.version == column_parameter(todos.version, "key_version")


# The change log's number of a write on PostgreSQL: the writing transaction's id.
POSTGRES_CHANGE_NUMBER: sa.ColumnElement[int] = sa.cast(
    sa.cast(sa.func.pg_current_xact_id(), sa.Text()), sa.BigInteger()
)


def todo_text_bytes(dialect_name: str) -> sa.ColumnElement[int]:
    """A todo's text as the quota counts it (QUOTA_TEXT_FIELDS), column by column: a field
    added there is counted here too, or refused if its column is not text."""
    text_length = partial(_text_bytes, dialect_name)
    return _sum_of(text_length(todos[name]) for name in QUOTA_TEXT_FIELDS)


class Statements:
    """The statements of one dialect (ON CONFLICT and RETURNING are spelled per dialect)."""

    def __init__(self, dialect_name: str) -> None:
        insert = sqlite.insert if dialect_name == "sqlite" else postgresql.insert

        self.get_todo = sa.select(todos_table).where(*_TODO_KEY)
        self.get_todo_for_update = self.get_todo.with_for_update()

        # The change log's number, set by each statement that writes a todo or a tombstone
        # (docs/adr/0024). PostgreSQL's is the writing transaction's id: no lock, no extra
        # round trip. SQLite runs one writer at a time; each write draws the next tick of
        # `change_clock` first (`next_change_number`) and passes it as a parameter.
        self.next_change_number: sa.Executable | None = None
        numbered: dict[str, Any] = {}
        change_number: sa.ColumnElement[int] = sa.bindparam("change_number", type_=sa.BigInteger())
        if dialect_name == "sqlite":
            clock = change_clock_table.c
            self.next_change_number = (
                sa.update(change_clock_table).values(value=clock.value + 1).returning(clock.value)
            )
            self.change_floor = sa.select((clock.value + 1).label("floor"))
        else:
            change_number = POSTGRES_CHANGE_NUMBER
            numbered = {"change_number": change_number}
            # Every transaction still running has an id at least its snapshot's xmin, and
            # every later one a greater id: no change committed from now on is below it.
            self.change_floor = sa.select(
                sa.cast(
                    sa.cast(sa.func.pg_snapshot_xmin(sa.func.pg_current_snapshot()), sa.Text()),
                    sa.BigInteger(),
                ).label("floor")
            )

        # RETURNING, not rowcount: drivers may not report the rows of an INSERT.
        self.add_todo = (
            insert(todos_table)
            .values(numbered)
            .on_conflict_do_nothing(index_elements=[todos.id])
            .returning(todos.id)
        )
        # Only at the version the change was made from: a row that moved on is left alone.
        self.save_todo = sa.update(todos_table).where(*_TODO_KEY, _AT_VERSION).values(numbered)
        # A removal leaves a tombstone in the same statement where the dialect allows
        # (PostgreSQL: DELETE in a WITH), else in the next (`add_tombstone`).
        removed = sa.delete(todos_table).where(*_TODO_KEY, _AT_VERSION)
        deleted_at = sa.bindparam("deleted_at", type_=UtcDateTime())
        self.add_tombstone: sa.Executable | None = None
        if dialect_name == "sqlite":
            self.remove_todo: sa.Executable = removed
            self.add_tombstone = insert(tombstones_table).values(
                todo_id=sa.bindparam("key_id", type_=tombstones.todo_id.type),
                user_id=sa.bindparam("key_user_id", type_=tombstones.user_id.type),
                change_number=change_number,
                deleted_at=deleted_at,
            )
        else:
            # The tombstone's INSERT reads the row in the statement's snapshot; if the
            # DELETE then finds it moved on, it deletes nothing and the caller, seeing no
            # row deleted, abandons the transaction with the stray tombstone in it.
            # (The DELETE is the statement, so its row count is the one reported.)
            logged = (
                sa.insert(tombstones_table)
                .from_select(
                    ["todo_id", "user_id", "change_number", "deleted_at"],
                    sa.select(todos.id, todos.user_id, change_number, deleted_at).where(
                        *_TODO_KEY, _AT_VERSION
                    ),
                )
                .cte("logged")
            )
            self.remove_todo = removed.add_cte(logged)
        self.changed_todos = _changes_after(todos_table, todos.id)
        self.deleted_todos = _changes_after(tombstones_table, tombstones.todo_id).where(
            tombstones.change_number >= sa.bindparam("deletions_from", type_=sa.BigInteger())
        )
        # A sync pass's first page: the floor and the changes in one round trip (PostgreSQL;
        # SQLite's reads cost no round trip, and it has the floor in a table of its own).
        self.floor_and_changes: sa.Select[Any] | None = (
            None
            if dialect_name == "sqlite"
            else _floor_and_changes(self.change_floor, self.changed_todos, self.deleted_todos)
        )
        self.owners_with_changes = sa.union(
            _owners_with_changes(todos_table), _owners_with_changes(tombstones_table)
        )
        self.purge_tombstones = sa.delete(tombstones_table).where(
            tombstones.deleted_at < column_parameter(tombstones.deleted_at, "before")
        )

        self.get_user = sa.select(users_table).where(users.id == column_parameter(users.id))
        # One upsert moves what a user holds and returns the new totals. Its row lock
        # (PostgreSQL's FOR NO KEY UPDATE, as any UPDATE that keeps the key) queues the
        # user's other writers until the transaction ends, while inserts that only
        # reference the user (a todo's, a key's foreign key: FOR KEY SHARE) pass. SQLite
        # has no row locks: its write transaction already runs alone.
        usage = user_usage_table.c
        moved = insert(user_usage_table)
        self.change_usage = moved.on_conflict_do_update(
            index_elements=[usage.user_id],
            set_={
                "todos": usage.todos + moved.excluded.todos,
                "text_bytes": usage.text_bytes + moved.excluded.text_bytes,
            },
        ).returning(usage.todos, usage.text_bytes)
        text = todo_text_bytes(dialect_name)
        self.usage = sa.select(
            sa.func.count().label("todos"),
            sa.func.coalesce(sa.func.sum(text), 0).label("text_bytes"),
        ).where(todos.user_id == column_parameter(todos.user_id))
        self.add_user = insert(users_table).on_conflict_do_nothing(index_elements=[users.id])
        upsert = insert(users_table)
        self.save_user = upsert.on_conflict_do_update(
            index_elements=[users.id],
            set_={c.name: upsert.excluded[c.name] for c in users_table.c if c is not users.id},
        )
        # One round trip for a user's first sight: the row inserted, or else the one
        # already there. SQLite has no INSERT inside a WITH: it inserts, then reads.
        self.add_user_returning: sa.Executable | None = None
        if dialect_name != "sqlite":
            new = {c.name: column_parameter(c, f"new_{c.name}") for c in users_table.c}
            inserted = (
                insert(users_table)
                .values(new)
                .on_conflict_do_nothing(index_elements=[users.id])
                .returning(*users_table.c)
                .cte("inserted")
            )
            present = sa.select(users_table).where(users.id == new["id"])
            self.add_user_returning = sa.union_all(sa.select(inserted), present).limit(1)

        # A claim replaces a key's record only once it is dead; a live one is left alone.
        claim = insert(idempotency_keys_table)
        self.claim_key = claim.on_conflict_do_update(
            index_elements=[keys.user_id, keys.key],
            set_={name: claim.excluded[name] for name in ("fingerprint", "todo_id", "expires_at")},
            where=keys.expires_at <= column_parameter(keys.expires_at, "now"),
        ).returning(keys.key)
        self.get_key = sa.select(idempotency_keys_table).where(
            keys.user_id == column_parameter(keys.user_id), keys.key == column_parameter(keys.key)
        )
        self.purge_keys = sa.delete(idempotency_keys_table).where(
            keys.expires_at <= column_parameter(keys.expires_at, "now")
        )


def _changes_after(table: sa.Table, todo_id: sa.Column[Any]) -> sa.Select[Any]:
    """One owner's entries of `table` past a position (number, id), in position order."""
    number = table.c.change_number
    after = sa.tuple_(
        sa.bindparam("after_number", type_=sa.BigInteger()),
        column_parameter(todo_id, "after_id"),
    )
    return (
        sa.select(table)
        .where(
            table.c.user_id == column_parameter(table.c.user_id, "owner"),
            sa.tuple_(number, todo_id) > after,
        )
        .order_by(number, todo_id)
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )


def _floor_and_changes(
    floor: sa.Select[Any], changed: sa.Select[Any], deleted: sa.Select[Any]
) -> sa.Select[Any]:
    """`floor`, `changed` and (with the parameter `with_deletions`) `deleted` as one
    statement, read in its one snapshot: a row per change (a todo's columns, or a
    tombstone's id, number and `deleted_at` with the rest NULL), each with the floor, or
    the floor alone in a row of NULLs when nothing changed."""
    rest = [column for column in todos_table.c if column.name not in ("id", "change_number")]
    todo_rows = changed.with_only_columns(
        todos.change_number,
        todos.id,
        *rest,
        sa.cast(sa.null(), UtcDateTime()).label("deleted_at"),
    )
    tombstone_rows = deleted.with_only_columns(
        tombstones.change_number,
        tombstones.todo_id.label("id"),
        *(sa.cast(sa.null(), column.type).label(column.name) for column in rest),
        tombstones.deleted_at,
    ).where(sa.bindparam("with_deletions", type_=sa.Boolean()))
    changes = sa.union_all(todo_rows, tombstone_rows).cte("changes")
    taken = floor.cte("taken")
    return sa.select(taken.c.floor, changes).select_from(taken.outerjoin(changes, sa.true()))


def _owners_with_changes(table: sa.Table) -> sa.Select[Any]:
    """Which of some owners have an entry of `table` numbered at least a floor."""
    owners = sa.bindparam("owners", expanding=True, type_=table.c.user_id.type)
    floor = sa.bindparam("floor", type_=sa.BigInteger())
    return sa.select(table.c.user_id).where(
        table.c.user_id.in_(owners), table.c.change_number >= floor
    )


def _text_bytes(dialect_name: str, column: sa.Column[Any]) -> sa.ColumnElement[int]:
    """A text column's length in UTF-8 bytes, as `domain.quota.text_bytes` counts it
    (0 for NULL)."""
    if not isinstance(column.type, sa.String):
        # A list of texts (tags, say) needs its own count, per dialect: write it here
        # rather than let octet_length count something else.
        raise NotImplementedError(f"no UTF-8 byte count for {column.name} ({column.type})")
    if dialect_name == "sqlite":
        length = sa.func.length(sa.cast(column, sa.LargeBinary()))
    else:
        length = sa.func.octet_length(column)
    return sa.func.coalesce(length, 0) if column.nullable else length


def _sum_of(terms: Iterable[sa.ColumnElement[int]]) -> sa.ColumnElement[int]:
    """`a + b + ...` of SQL terms (there is at least one)."""
    return reduce(operator.add, terms)


@cache
def statements(dialect_name: str) -> Statements:
    return Statements(dialect_name)
