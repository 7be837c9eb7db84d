from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from todo_service.adapters.sql.statements import column_parameter
from todo_service.adapters.sql.tables import todos_table
from todo_service.application.listing import Sort, SortField, TodoFilters, TodoQuery, fold_case
from todo_service.domain import UserId

_SORT_COLUMNS: dict[SortField, sa.Column[Any]] = {
    SortField.CREATED_AT: todos_table.c.created_at,
    SortField.UPDATED_AT: todos_table.c.updated_at,
    SortField.DUE_AT: todos_table.c.due_at,
    SortField.PRIORITY: todos_table.c.priority,
    SortField.TITLE: todos_table.c.title,
    SortField.ORDER: todos_table.c.order,
}
_LIKE_ESCAPE = "\\"
_c = todos_table.c


def _as_it_is(value: object) -> object:
    return value


# Each filter of TodoFilters, by its field's name: its clause, over a parameter of that
# name, and how the filter's value becomes the parameter's. Exactly `TodoFilters.matches`.
_FILTERS: Mapping[str, tuple[ColumnElement[bool], Callable[[Any], object]]] = {
    "completed": (_c.completed == column_parameter(_c.completed, "completed"), _as_it_is),
    "priority": (_c.priority == column_parameter(_c.priority, "priority"), lambda p: p.rank),
    "title_contains": (
        _c.title_folded.like(
            column_parameter(_c.title_folded, "title_contains"), escape=_LIKE_ESCAPE
        ),
        lambda text: f"%{escape_like(fold_case(text))}%",
    ),
    "due_before": (_c.due_at < column_parameter(_c.due_at, "due_before"), _as_it_is),
    "due_after": (_c.due_at > column_parameter(_c.due_at, "due_after"), _as_it_is),
}
if set(_FILTERS) != {field.name for field in fields(TodoFilters)}:
    raise TypeError(f"{__name__}: every field of TodoFilters needs its clause in _FILTERS")


def matching(owner_id: UserId, filters: TodoFilters) -> tuple[frozenset[str], dict[str, Any]]:
    """Which of `filters` are set (for `matching_clauses`), and the parameters of the
    clauses that match them among the owner's todos."""
    values = _filter_values(filters)
    return frozenset(values), {**values, "owner": owner_id.value}


def _filter_values(filters: TodoFilters) -> dict[str, Any]:
    """The parameters of the filters that are set."""
    return {
        name: as_parameter(value)
        for name, (_, as_parameter) in _FILTERS.items()
        if (value := getattr(filters, name)) is not None
    }


def escape_like(text: str) -> str:
    """`text` as a LIKE pattern that matches only itself."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


@dataclass(frozen=True, slots=True)
class Listing:
    """A statement built once per shape of listing, and the values it is run with.

    Building and caching a statement costs a list more CPU than running it; the
    shapes are few (sort x filters used x kind of cursor), the values many.
    """

    statement: sa.Select[Any]
    parameters: dict[str, Any]


TOTAL = "total"
MATCHING = "matching"  # the one column of a count


def find_listing(owner_id: UserId, query: TodoQuery, *, with_total: bool = False) -> Listing:
    """The page plus one, in the order of `compare_positions`, keyset and all in SQL.

    `with_total`: every row also carries, as TOTAL, the count of all the todos that
    match the filters (a scalar subquery PostgreSQL runs once): page and total in
    one round trip, except that an empty page carries no total.
    """
    used, values = matching(owner_id, query.filters)
    after = query.after
    after_kind = None if after is None else "null" if after.value is None else "value"
    statement = _find_statement(query.sort, used, after_kind, with_total)
    values.update(offset=query.offset, limit=query.limit + 1)
    if after is not None:
        values.update(after_id=after.id, after_value=after.value)
    return Listing(statement, values)


def count_listing(owner_id: UserId, filters: TodoFilters) -> Listing:
    used, parameters = matching(owner_id, filters)
    return Listing(_count_statement(used), parameters)


def matching_listing(owner_id: UserId, filters: TodoFilters, *, for_update: bool) -> Listing:
    """Every one of the owner's todos that `filters` match, locked with `for_update`."""
    used, parameters = matching(owner_id, filters)
    return Listing(_matching_statement(used, for_update), parameters)


@cache
def _matching_statement(filters: frozenset[str], for_update: bool) -> sa.Select[Any]:
    statement = sa.select(todos_table).where(*matching_clauses(filters))
    return statement.with_for_update() if for_update else statement


def matching_clauses(filters: frozenset[str]) -> list[ColumnElement[bool]]:
    """The owner's todos that the filters named match: a statement's WHERE."""
    owner = _c.user_id == column_parameter(_c.user_id, "owner")
    return [owner, *(clause for name, (clause, _) in _FILTERS.items() if name in filters)]


@cache
def _find_statement(
    sort: Sort, filters: frozenset[str], after: str | None, with_total: bool
) -> sa.Select[Any]:
    column = _SORT_COLUMNS[sort.field]
    clauses = matching_clauses(filters)
    if after is not None:
        clauses.append(
            _after(column, after_value_is_null=after == "null", descending=sort.descending)
        )
    value_order = column.desc() if sort.descending else column.asc()
    id_order = _c.id.desc() if sort.descending else _c.id.asc()
    if column.nullable:
        value_order = value_order.nulls_last()
    columns: list[Any] = [todos_table]
    if with_total:
        columns.append(_count_statement(filters).scalar_subquery().label(TOTAL))
    return (
        sa.select(*columns)
        .where(*clauses)
        .order_by(value_order, id_order)
        .offset(sa.bindparam("offset", type_=sa.Integer()))
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )


@cache
def _count_statement(filters: frozenset[str]) -> sa.Select[Any]:
    count = sa.func.count().label(MATCHING)
    return sa.select(count).select_from(todos_table).where(*matching_clauses(filters))


def _after(
    column: sa.Column[Any], *, after_value_is_null: bool, descending: bool
) -> ColumnElement[bool]:
    after_id = column_parameter(_c.id, "after_id")
    if after_value_is_null:
        # Among the todos without a value, which come last: only the id remains.
        beyond_id = _c.id < after_id if descending else _c.id > after_id
        return sa.and_(column.is_(None), beyond_id)
    mine = sa.tuple_(column, _c.id)
    theirs = sa.tuple_(column_parameter(column, "after_value"), after_id)
    beyond = mine < theirs if descending else mine > theirs
    return sa.or_(beyond, column.is_(None)) if column.nullable else beyond
