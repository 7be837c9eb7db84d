from todo_service.application.use_cases.bulk import DeleteTodos, UpdateTodos
from todo_service.application.use_cases.create_todo import CreateTodo
from todo_service.application.use_cases.current_user import (
    Authenticate,
    CachedCurrentUser,
    CachedTokenVerifier,
    CurrentUser,
)
from todo_service.application.use_cases.delete_todo import DeleteTodo
from todo_service.application.use_cases.get_todo import GetTodo
from todo_service.application.use_cases.list_todos import ListTodos, ListTodosRequest
from todo_service.application.use_cases.move_todo import MoveTodo
from todo_service.application.use_cases.purge_idempotency_keys import PurgeExpiredIdempotencyKeys
from todo_service.application.use_cases.purge_tombstones import PurgeExpiredTombstones
from todo_service.application.use_cases.set_user_active import SetUserActive
from todo_service.application.use_cases.sync_todos import SyncTodos
from todo_service.application.use_cases.toggle_todo import ToggleTodo
from todo_service.application.use_cases.update_todo import UpdateTodo

__all__ = [
    "Authenticate",
    "CachedCurrentUser",
    "CachedTokenVerifier",
    "CreateTodo",
    "CurrentUser",
    "DeleteTodo",
    "DeleteTodos",
    "GetTodo",
    "ListTodos",
    "ListTodosRequest",
    "MoveTodo",
    "PurgeExpiredIdempotencyKeys",
    "PurgeExpiredTombstones",
    "SetUserActive",
    "SyncTodos",
    "ToggleTodo",
    "UpdateTodo",
    "UpdateTodos",
]
