import heapq
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa

from todo_service.adapters.sql.listing import (
    MATCHING,
    TOTAL,
    Listing,
    count_listing,
    find_listing,
    matching_listing,
)
from todo_service.adapters.sql.mapping import IDEMPOTENCY_KEYS, TODOS, USERS
from todo_service.adapters.sql.session import Columns, SqlSession
from todo_service.adapters.sql.statements import statements
from todo_service.application.changes import Change, ChangePosition
from todo_service.application.errors import StaleWriteError
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import TodoFilters, TodoQuery
from todo_service.application.ports import IdempotencyRepository, TodoRepository, UserRepository
from todo_service.domain import Todo, TodoId, Usage, User, UserId


class SqlTodoRepository(TodoRepository):
    """Todos in a SQL table; every write is one conditional statement on the stored version."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session
        self._statements = statements(session.dialect_name)

    def add(self, todo: Todo) -> None:
        values = {**TODOS.values(todo), **self._change_number()}
        if not self._session.write_returning(self._statements.add_todo, values):
            raise ValueError("todo id already used")

    def get(self, owner_id: UserId, todo_id: TodoId, *, for_update: bool = False) -> Todo | None:
        key = {"key_id": todo_id, "key_user_id": owner_id.value}
        if for_update:
            rows = self._session.read_for_update(self._statements.get_todo_for_update, key)
        else:
            rows = self._session.read(self._statements.get_todo, key)
        return TODOS.load(rows[0]) if rows else None

    def save(self, todo: Todo) -> None:
        self.save_all([todo])

    def remove(self, todo: Todo, deleted_at: datetime) -> None:
        self.remove_all([todo], deleted_at)

    def save_all(self, todos: Sequence[Todo]) -> None:
        if todos:
            number = self._change_number()
            rows = [{**_saved(todo), **number} for todo in todos]
            self._write_each(self._statements.save_todo, rows)

    def remove_all(self, todos: Sequence[Todo], deleted_at: datetime) -> None:
        if not todos:
            return
        stamp = {"deleted_at": deleted_at, **self._change_number()}
        rows = [{**_key(todo.id, todo.owner_id.value, todo.version), **stamp} for todo in todos]
        self._write_each(self._statements.remove_todo, rows)
        if self._statements.add_tombstone is not None:
            self._session.write(self._statements.add_tombstone, rows)

    def change_floor(self) -> int:
        [row] = self._session.read(self._statements.change_floor)
        return int(row["floor"])

    def changes_after(
        self,
        owner_id: UserId,
        after: ChangePosition,
        limit: int,
        *,
        deletions_from: int | None = 0,
    ) -> Sequence[Change]:
        parameters = _position(owner_id, after, limit)
        changed = [
            _change(row) for row in self._session.read(self._statements.changed_todos, parameters)
        ]
        tombstones = (
            self._session.read(
                self._statements.deleted_todos, {**parameters, "deletions_from": deletions_from}
            )
            if deletions_from is not None
            else ()
        )
        deleted = [_change(row, "todo_id") for row in tombstones]
        return list(heapq.merge(changed, deleted, key=lambda change: change.position))[: limit + 1]

    def floor_and_changes_after(
        self,
        owner_id: UserId,
        after: ChangePosition,
        limit: int,
        *,
        deletions_from: int | None = 0,
    ) -> tuple[int, Sequence[Change]]:
        statement = self._statements.floor_and_changes
        if statement is None:
            return super().floor_and_changes_after(
                owner_id, after, limit, deletions_from=deletions_from
            )
        parameters = {
            **_position(owner_id, after, limit),
            "deletions_from": deletions_from or 0,
            "with_deletions": deletions_from is not None,
        }
        rows = self._session.read(statement, parameters)
        # A row without an id is the floor alone: nothing changed.
        changes = sorted(
            (_change(row) for row in rows if row["id"] is not None),
            key=lambda change: change.position,
        )
        return int(rows[0]["floor"]), changes[: limit + 1]

    def owners_with_changes(self, owner_ids: Collection[UserId], floor: int) -> set[UserId]:
        if not owner_ids:
            return set()
        parameters = {"owners": [owner.value for owner in owner_ids], "floor": floor}
        rows = self._session.read(self._statements.owners_with_changes, parameters)
        return {UserId(row["user_id"]) for row in rows}

    def purge_tombstones(self, before: datetime) -> int:
        return self._session.write_count(self._statements.purge_tombstones, {"before": before})

    def _change_number(self) -> dict[str, int]:
        """The parameter that numbers a write, where the dialect takes it from one (SQLite:
        the next tick of its change clock); on PostgreSQL the statement numbers itself."""
        statement = self._statements.next_change_number
        if statement is None:
            return {}
        [row] = self._session.write_returning(statement)
        return {"change_number": int(row["value"])}

    def _write_each(self, statement: sa.Executable, rows: list[dict[str, object]]) -> None:
        """One statement per row, sent together (psycopg pipelines an executemany); a
        single row goes as a plain execute, which costs less than a batch of one."""
        if not rows:
            return
        parameters = rows[0] if len(rows) == 1 else rows
        if self._session.write_count(statement, parameters) != len(rows):
            raise StaleWriteError

    def matching(
        self, owner_id: UserId, filters: TodoFilters, *, for_update: bool = False
    ) -> Sequence[Todo]:
        listing = matching_listing(owner_id, filters, for_update=for_update)
        rows: Sequence[Columns] = (
            self._session.read_for_update(listing.statement, listing.parameters)
            if for_update
            else self._read(listing, filters)
        )
        return [TODOS.load(row) for row in rows]

    def find(self, owner_id: UserId, query: TodoQuery) -> Sequence[Todo]:
        listing = find_listing(owner_id, query)
        rows = self._read(listing, query.filters)
        return [TODOS.load(row) for row in rows]

    def count(self, owner_id: UserId, filters: TodoFilters) -> int:
        listing = count_listing(owner_id, filters)
        [row] = self._read(listing, filters)
        return int(row[MATCHING])

    def find_with_total(self, owner_id: UserId, query: TodoQuery) -> tuple[Sequence[Todo], int]:
        listing = find_listing(owner_id, query, with_total=True)
        rows = self._read(listing, query.filters)
        if not rows:
            if query.offset == 0 and query.after is None:
                return [], 0  # the first page is empty: nothing matches
            return [], self.count(owner_id, query.filters)  # past the last page
        return [TODOS.load(row) for row in rows], int(rows[0][TOTAL])

    def _read(self, listing: Listing, filters: TodoFilters) -> Sequence[Columns]:
        # Only a search is bounded by the search timeout: its cost is the one that
        # depends on a pattern the caller chose and on other users' rows (the trigram
        # index spans every title). Any other listing reads one user's rows by their
        # index, at most the quota, and the timeout's three round trips would be most
        # of its cost (docs/adr/0021).
        if filters.title_contains is None:
            return self._session.read(listing.statement, listing.parameters)
        return self._session.read_search(listing.statement, listing.parameters)

    def usage(self, owner_id: UserId) -> Usage:
        [row] = self._session.read(self._statements.usage, {"user_id": owner_id.value})
        return Usage(todos=int(row["todos"]), text_bytes=int(row["text_bytes"]))


class SqlUserRepository(UserRepository):
    def __init__(self, session: SqlSession) -> None:
        self._session = session
        self._statements = statements(session.dialect_name)

    def get(self, user_id: UserId) -> User | None:
        rows = self._session.read(self._statements.get_user, {"id": user_id.value})
        return USERS.load(rows[0]) if rows else None

    def add_if_absent(self, user: User) -> User:
        values = USERS.values(user)
        if self._statements.add_user_returning is not None:
            # A row whose insert committed while this statement waited on it is outside
            # the statement's snapshot, so an empty answer falls through to a read.
            parameters = {f"new_{name}": value for name, value in values.items()}
            found = self._session.write_returning(self._statements.add_user_returning, parameters)
            if found:
                return USERS.load(found[0])
        else:
            self._session.write(self._statements.add_user, values)
        stored = self.get(user.id)
        if stored is None:  # pragma: no cover - the row was just written or found
            raise RuntimeError("a user vanished between its insert and its read")
        return stored

    def save(self, user: User) -> None:
        self._session.write(self._statements.save_user, USERS.values(user))

    def hold(self, user_id: UserId) -> None:
        # The usage upsert's row lock, moving nothing: what holds the user for a quota.
        self.change_usage(user_id, 0, 0)

    def change_usage(self, user_id: UserId, todos: int, text_bytes: int) -> Usage:
        moved = {"user_id": user_id.value, "todos": todos, "text_bytes": text_bytes}
        [row] = self._session.write_returning(self._statements.change_usage, moved)
        # The totals after this change; the caller asks what was held before it.
        return Usage(todos=row["todos"] - todos, text_bytes=row["text_bytes"] - text_bytes)


class SqlIdempotencyRepository(IdempotencyRepository):
    """Idempotency keys; a claim is one upsert that only replaces a dead record.

    Concurrent claims of one key queue on its primary key: the loser's upsert waits
    for the winner's transaction, then finds a live record and leaves it alone.
    """

    def __init__(self, session: SqlSession) -> None:
        self._session = session
        self._statements = statements(session.dialect_name)

    def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        values = IDEMPOTENCY_KEYS.values(record)
        if self._session.write_returning(self._statements.claim_key, {**values, "now": now}):
            return record
        key = {"user_id": values["user_id"], "key": values["key"]}
        return IDEMPOTENCY_KEYS.load(self._session.read(self._statements.get_key, key)[0])

    def purge_expired(self, now: datetime) -> int:
        return self._session.write_count(self._statements.purge_keys, {"now": now})


def _saved(todo: Todo) -> dict[str, object]:
    """The parameters that store `todo` over the version it was changed from."""
    values = TODOS.values(todo)
    key = _key(values.pop("id"), values.pop("user_id"), todo.version - 1)
    return {**values, **key}


def _key(todo_id: TodoId, user_id: str, version: int) -> dict[str, object]:
    """The parameters that address one todo of one owner at one version."""
    return {"key_id": todo_id, "key_user_id": user_id, "key_version": version}


def _position(owner_id: UserId, after: ChangePosition, limit: int) -> dict[str, object]:
    """The parameters that read one owner's changes past `after`, `limit + 1` at most."""
    return {
        "owner": owner_id.value,
        "after_number": after.number,
        "after_id": after.todo_id,
        "limit": limit + 1,
    }


def _change(row: sa.RowMapping, todo_id: str = "id") -> Change:
    """A row of the change log: a tombstone's when it has a `deleted_at`, else a todo's,
    as it is now; its todo's id in the column `todo_id`."""
    position = ChangePosition(row["change_number"], row[todo_id])
    deleted_at = row.get("deleted_at")
    if deleted_at is not None:
        return Change(position, None, deleted_at)
    return Change(position, TODOS.load(row))
