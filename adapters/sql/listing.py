from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.sql.tables import todos_table
from application.listing import Position, SortDirection, SortField, TodoFilters, TodoQuery
from domain import UserId

_SORT_COLUMNS: dict[SortField, sa.Column[Any]] = {
    SortField.CREATED_AT: todos_table.c.created_at,
    SortField.UPDATED_AT: todos_table.c.updated_at,
    SortField.DUE_AT: todos_table.c.due_at,
    SortField.PRIORITY: todos_table.c.priority,
    SortField.TITLE: todos_table.c.title,
}
_LIKE_ESCAPE = "\\"


def filter_clauses(owner_id: UserId, filters: TodoFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses with exactly the semantics of `TodoFilters.matches`."""
    c = todos_table.c
    clauses: list[ColumnElement[bool]] = [c.user_id == owner_id.value]
    if filters.completed is not None:
        clauses.append(c.completed == filters.completed)
    if filters.priority is not None:
        clauses.append(c.priority == filters.priority.rank)
    if filters.folded_text is not None:
        pattern = f"%{escape_like(filters.folded_text)}%"
        clauses.append(c.title_folded.like(pattern, escape=_LIKE_ESCAPE))
    if filters.due_before is not None:
        clauses.append(c.due_at < filters.due_before)
    if filters.due_after is not None:
        clauses.append(c.due_at > filters.due_after)
    return clauses


def escape_like(text: str) -> str:
    """`text` as a LIKE pattern that matches only itself."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


def find_statement(owner_id: UserId, query: TodoQuery) -> sa.Select[Any]:
    """The page plus one, in the order of `compare_positions`, keyset and all in SQL."""
    column = _SORT_COLUMNS[query.sort.field]
    descending = query.sort.direction is SortDirection.DESC
    clauses = filter_clauses(owner_id, query.filters)
    if query.after is not None:
        clauses.append(_after(column, query.after, descending=descending))
    value_order = column.desc() if descending else column.asc()
    id_order = todos_table.c.id.desc() if descending else todos_table.c.id.asc()
    if column.nullable:
        value_order = value_order.nulls_last()
    return (
        sa.select(todos_table)
        .where(*clauses)
        .order_by(value_order, id_order)
        .offset(query.offset)
        .limit(query.limit + 1)
    )


def count_statement(owner_id: UserId, filters: TodoFilters) -> sa.Select[Any]:
    return (
        sa.select(sa.func.count())
        .select_from(todos_table)
        .where(*filter_clauses(owner_id, filters))
    )


def _after(column: sa.Column[Any], after: Position, *, descending: bool) -> ColumnElement[bool]:
    id_column = todos_table.c.id
    if after.value is None:
        # Among the todos without a value, which come last: only the id remains.
        beyond_id = id_column < after.id if descending else id_column > after.id
        return sa.and_(column.is_(None), beyond_id)
    mine = sa.tuple_(column, id_column)
    theirs = sa.tuple_(
        sa.bindparam(None, after.value, type_=column.type),
        sa.bindparam(None, after.id, type_=id_column.type),
    )
    beyond = mine < theirs if descending else mine > theirs
    return sa.or_(beyond, column.is_(None)) if column.nullable else beyond
