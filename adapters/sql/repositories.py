from collections.abc import Sequence
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from todo_service.adapters.sql.listing import TOTAL, count_listing, find_listing
from todo_service.adapters.sql.mapping import IDEMPOTENCY_KEYS, TODOS, USERS
from todo_service.adapters.sql.session import SqlSession
from todo_service.adapters.sql.tables import idempotency_keys_table, todos_table, users_table
from todo_service.application.errors import StaleWriteError
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import TodoFilters, TodoQuery
from todo_service.application.ports import IdempotencyRepository, TodoRepository, UserRepository
from todo_service.domain import Todo, TodoId, User, UserId


class SqlTodoRepository(TodoRepository):
    """Todos in a SQL table; every write is one conditional statement on the stored version."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def add(self, todo: Todo) -> None:
        # RETURNING, not rowcount: drivers may not report the rows of an INSERT.
        if not self._session.rows(
            _statements(self._session.dialect_name).add_todo, TODOS.values(todo)
        ):
            raise ValueError("todo id already used")

    def get(self, owner_id: UserId, todo_id: TodoId, *, for_update: bool = False) -> Todo | None:
        key = {"key_id": todo_id, "key_user_id": owner_id.value}
        if for_update:
            rows = self._session.rows(_GET_TODO_FOR_UPDATE, key)
        else:
            rows = self._session.read(_GET_TODO, key)
        return TODOS.load(rows[0]) if rows else None

    def save(self, todo: Todo) -> None:
        values = TODOS.values(todo)
        key = {"key_id": values.pop("id"), "key_user_id": values.pop("user_id")}
        parameters = {**values, **key, "key_version": todo.version - 1}
        if self._session.affected(_SAVE_TODO, parameters) == 0:
            raise StaleWriteError

    def remove(self, todo: Todo) -> None:
        delete = sa.delete(todos_table).where(*self._stored_at(todo, todo.version))
        if self._session.affected(delete) == 0:
            raise StaleWriteError

    def find(self, owner_id: UserId, query: TodoQuery) -> Sequence[Todo]:
        listing = find_listing(owner_id, query)
        rows = self._session.read(listing.statement, listing.parameters)
        return [TODOS.load(row) for row in rows]

    def count(self, owner_id: UserId, filters: TodoFilters) -> int:
        listing = count_listing(owner_id, filters)
        return int(self._session.read_scalar(listing.statement, listing.parameters))

    def find_with_total(self, owner_id: UserId, query: TodoQuery) -> tuple[Sequence[Todo], int]:
        listing = find_listing(owner_id, query, with_total=True)
        rows = self._session.read(listing.statement, listing.parameters)
        if not rows:
            if query.offset == 0 and query.after is None:
                return [], 0  # the first page is empty: nothing matches
            return [], self.count(owner_id, query.filters)  # past the last page
        return [TODOS.load(row) for row in rows], int(rows[0][TOTAL])

    @staticmethod
    def _stored_at(todo: Todo, version: int) -> tuple[sa.ColumnElement[bool], ...]:
        c = todos_table.c
        return (c.id == todo.id, c.user_id == todo.owner_id.value, c.version == version)


class SqlUserRepository(UserRepository):
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def get(self, user_id: UserId) -> User | None:
        statement = sa.select(users_table).where(users_table.c.id == user_id.value)
        rows = self._session.read(statement)
        return USERS.load(rows[0]) if rows else None

    def add_if_absent(self, user: User) -> User:
        statements = _statements(self._session.dialect_name)
        values = USERS.values(user)
        if statements.add_user_returning is not None:
            # One round trip: the row inserted, or else the one already there. A row
            # whose insert committed while this statement waited on it is outside
            # the statement's snapshot, so an empty answer falls through to a read.
            parameters = {f"new_{name}": value for name, value in values.items()}
            found = self._session.rows(statements.add_user_returning, parameters)
            if found:
                return USERS.load(found[0])
        else:
            self._session.run(statements.add_user, values)
        stored = self.get(user.id)
        if stored is None:  # pragma: no cover - the row was just written or found
            raise RuntimeError("a user vanished between its insert and its read")
        return stored

    def save(self, user: User) -> None:
        values = USERS.values(user)
        insert = _insert(self._session, users_table).values(values)
        del values["id"]
        upsert = insert.on_conflict_do_update(index_elements=[users_table.c.id], set_=values)
        self._session.run(upsert)


class SqlIdempotencyRepository(IdempotencyRepository):
    """Idempotency keys; a claim is one upsert that only replaces a dead record.

    Concurrent claims of one key queue on its primary key: the loser's upsert waits
    for the winner's transaction, then finds a live record and leaves it alone.
    """

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        table = idempotency_keys_table
        values = IDEMPOTENCY_KEYS.values(record)
        insert = _insert(self._session, table).values(values)
        replace_dead = insert.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.key],
            set_={name: insert.excluded[name] for name in ("fingerprint", "todo_id", "expires_at")},
            where=table.c.expires_at <= now,
        )
        if self._session.rows(replace_dead.returning(table.c.key)):
            return record
        holder = sa.select(table).where(
            table.c.user_id == record.owner_id.value, table.c.key == record.key
        )
        return IDEMPOTENCY_KEYS.load(self._session.rows(holder)[0])

    def purge_expired(self, now: datetime) -> int:
        table = idempotency_keys_table
        return self._session.affected(sa.delete(table).where(table.c.expires_at <= now))


_todo_key = (
    todos_table.c.id == sa.bindparam("key_id", type_=todos_table.c.id.type),
    todos_table.c.user_id == sa.bindparam("key_user_id", type_=todos_table.c.user_id.type),
)
# Built once and executed with parameters: constructing statements per call cost more
# Python than the round trips they make.
_GET_TODO = sa.select(todos_table).where(*_todo_key)
_GET_TODO_FOR_UPDATE = _GET_TODO.with_for_update()
_SAVE_TODO = sa.update(todos_table).where(
    *_todo_key, todos_table.c.version == sa.bindparam("key_version", type_=sa.Integer())
)


class _DialectStatements:
    def __init__(self, dialect_name: str) -> None:
        def insert(table: sa.Table) -> postgresql.Insert | sqlite.Insert:
            return sqlite.insert(table) if dialect_name == "sqlite" else postgresql.insert(table)

        c = todos_table.c
        self.add_todo = (
            insert(todos_table).on_conflict_do_nothing(index_elements=[c.id]).returning(c.id)
        )
        self.add_user = insert(users_table).on_conflict_do_nothing(
            index_elements=[users_table.c.id]
        )
        self.add_user_returning: sa.Executable | None = None
        if dialect_name != "sqlite":  # SQLite has no INSERT inside a WITH
            new = {c.name: sa.bindparam(f"new_{c.name}", type_=c.type) for c in users_table.c}
            inserted = (
                insert(users_table)
                .values(new)
                .on_conflict_do_nothing(index_elements=[users_table.c.id])
                .returning(*users_table.c)
                .cte("inserted")
            )
            present = sa.select(users_table).where(users_table.c.id == new["id"])
            self.add_user_returning = sa.union_all(sa.select(inserted), present).limit(1)


@cache
def _statements(dialect_name: str) -> _DialectStatements:
    return _DialectStatements(dialect_name)


def _insert(session: SqlSession, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, in the dialect of the session."""
    if session.dialect_name == "sqlite":
        return sqlite.insert(table)
    return postgresql.insert(table)
