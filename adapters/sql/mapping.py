from typing import Any

import sqlalchemy as sa

from todo_service.adapters.sql.tables import IdempotencyKeyRow, TodoRow
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import fold_case
from todo_service.domain import Priority, Todo, User, UserId

_PRIORITY_BY_RANK = {priority.rank: priority for priority in Priority}


def todo_to_row(todo: Todo) -> TodoRow:
    return TodoRow(
        id=todo.id,
        user_id=todo.owner_id.value,
        title=todo.title,
        title_folded=fold_case(todo.title),
        description=todo.description,
        priority=todo.priority.rank,
        due_at=todo.due_at,
        completed=todo.completed,
        completed_at=todo.completed_at,
        created_at=todo.created_at,
        updated_at=todo.updated_at,
        version=todo.version,
    )


def idempotency_to_row(record: IdempotencyRecord) -> IdempotencyKeyRow:
    return IdempotencyKeyRow(
        user_id=record.owner_id.value,
        key=record.key,
        fingerprint=record.fingerprint,
        todo_id=record.todo_id,
        expires_at=record.expires_at,
    )


def idempotency_from_columns(columns: sa.RowMapping) -> IdempotencyRecord:
    row = IdempotencyKeyRow(**columns)
    return IdempotencyRecord(
        owner_id=UserId(row.user_id),
        key=row.key,
        fingerprint=row.fingerprint,
        todo_id=row.todo_id,
        expires_at=row.expires_at,
    )


def todo_values(todo: Todo) -> dict[str, Any]:
    """The column values of a todo, without a row model in between (the domain validated them)."""
    return {
        "id": todo.id,
        "user_id": todo.owner_id.value,
        "title": todo.title,
        "title_folded": fold_case(todo.title),
        "description": todo.description,
        "priority": todo.priority.rank,
        "due_at": todo.due_at,
        "completed": todo.completed,
        "completed_at": todo.completed_at,
        "created_at": todo.created_at,
        "updated_at": todo.updated_at,
        "version": todo.version,
    }


def user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id.value,
        "email": user.email,
        "name": user.name,
        "created_at": user.created_at,
        "active": user.active,
    }


def row_values(row: TodoRow | IdempotencyKeyRow) -> dict[str, Any]:
    """The column values of a row model, for an INSERT or UPDATE statement."""
    return row.model_dump()


def todo_from_columns(columns: sa.RowMapping) -> Todo:
    # Straight from the columns: building a validated TodoRow per row cost more than the query.
    return Todo(
        id=columns["id"],
        owner_id=UserId(columns["user_id"]),
        title=columns["title"],
        description=columns["description"],
        priority=_PRIORITY_BY_RANK[columns["priority"]],
        due_at=columns["due_at"],
        completed=columns["completed"],
        completed_at=columns["completed_at"],
        created_at=columns["created_at"],
        updated_at=columns["updated_at"],
        version=columns["version"],
    )


def user_from_columns(columns: sa.RowMapping) -> User:
    # Straight from the columns, like todos: a validated UserRow per read cost a create 5 %.
    return User(
        id=UserId(columns["id"]),
        email=columns["email"],
        name=columns["name"],
        created_at=columns["created_at"],
        active=columns["active"],
    )
