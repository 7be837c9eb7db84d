"""Between the domain's objects and the tables' columns, derived from both.

A column and a field of the same name map to each other as they are; only the
columns stored differently say how (`stored`), and the fields read back differently
say how (`loaded`). So a new todo field is a field on `Todo` and a column on
`TodoRow`, and nothing here. A column with neither a field nor a rule, or a field
with neither a column nor a rule, stops the import: they cannot drift apart quietly.
"""

from collections.abc import Callable, Mapping
from dataclasses import fields
from operator import attrgetter, itemgetter
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from todo_service.adapters.sql.session import Columns
from todo_service.adapters.sql.tables import idempotency_keys_table, todos_table, users_table
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import fold_case
from todo_service.domain import Priority, Todo, User, UserId

T = TypeVar("T")

_PRIORITY_BY_RANK = {priority.rank: priority for priority in Priority}


class TableMapping(Generic[T]):
    """How one domain class is stored in one table."""

    def __init__(
        self,
        kind: type[T],
        table: sa.Table,
        stored: Mapping[str, Callable[[T], object] | None],
        loaded: Mapping[str, Callable[[Columns], object]],
    ) -> None:
        names = [field.name for field in fields(kind)]  # type: ignore[arg-type]
        columns = [column.name for column in table.columns]
        unstored = [c for c in columns if c not in stored and c not in names]
        unloaded = [n for n in names if n not in loaded and n not in columns]
        if unstored or unloaded:
            raise TypeError(
                f"{table.name} and {kind.__name__} disagree: columns {unstored} have no field, "
                f"fields {unloaded} have no column; give them a rule in {__name__}"
            )
        self._kind = kind
        # Precomputed getters: this runs for every row a listing reads. A column whose rule
        # is None is not the object's: the statement that writes the row sets it.
        self._stored = [
            (c, stored.get(c) or attrgetter(c))
            for c in columns
            if c not in stored or stored[c] is not None
        ]
        self._loaded = [(n, loaded.get(n) or itemgetter(n)) for n in names]

    def values(self, instance: T) -> dict[str, Any]:
        """The column values of `instance`, for an INSERT or UPDATE (the domain validated them)."""
        return {column: get(instance) for column, get in self._stored}

    def values_of(self, fields: Mapping[str, object]) -> dict[str, Any]:
        """The column values that these fields of an instance decide by themselves (a
        partial change's): each column whose rule reads only fields among them."""
        given = SimpleNamespace(**fields)
        values = {}
        for column, get in self._stored:
            try:
                values[column] = get(given)  # type: ignore[arg-type]
            except AttributeError:
                continue  # the column needs a field the change leaves alone
        return values

    def load(self, columns: Columns) -> T:
        """The domain object stored in a row; straight from the columns, no row model between."""
        return self._kind(**{name: get(columns) for name, get in self._loaded})


def _owner(todo: Todo | IdempotencyRecord) -> str:
    return todo.owner_id.value


def _owner_of(columns: Columns) -> UserId:
    return UserId(columns["user_id"])


TODOS = TableMapping(
    Todo,
    todos_table,
    stored={
        "user_id": _owner,
        # Folded by Python, so that `q` matches exactly as the reference does.
        "title_folded": lambda todo: fold_case(todo.title),
        # By rank, so that the database orders priorities by meaning.
        "priority": lambda todo: todo.priority.rank,
        # The change log's number, which each writing statement sets (statements.py).
        "change_number": None,
    },
    loaded={
        "owner_id": _owner_of,
        "priority": lambda columns: _PRIORITY_BY_RANK[columns["priority"]],
    },
)

USERS = TableMapping(
    User,
    users_table,
    stored={"id": lambda user: user.id.value},
    loaded={"id": lambda columns: UserId(columns["id"])},
)

IDEMPOTENCY_KEYS = TableMapping(
    IdempotencyRecord,
    idempotency_keys_table,
    stored={"user_id": _owner},
    loaded={"owner_id": _owner_of},
)
