from dataclasses import dataclass

from todo_service.application.use_cases import (
    CreateTodo,
    CurrentUser,
    DeleteTodo,
    DeleteTodos,
    GetTodo,
    ListTodos,
    MoveTodo,
    PurgeExpiredIdempotencyKeys,
    PurgeExpiredTombstones,
    SetUserActive,
    SyncTodos,
    ToggleTodo,
    UpdateTodo,
    UpdateTodos,
)


@dataclass(frozen=True, slots=True)
class TodoService:
    """Every use case, over one set of ports: what another Python service calls.

    The composition root (`todo_service.entrypoints.container`) builds it; in-process
    callers get it from `bootstrap()`.
    """

    create_todo: CreateTodo
    get_todo: GetTodo
    update_todo: UpdateTodo
    delete_todo: DeleteTodo
    toggle_todo: ToggleTodo
    move_todo: MoveTodo
    list_todos: ListTodos
    sync_todos: SyncTodos
    delete_todos: DeleteTodos
    update_todos: UpdateTodos
    current_user: CurrentUser
    set_user_active: SetUserActive
    purge_expired_idempotency_keys: PurgeExpiredIdempotencyKeys
    purge_expired_tombstones: PurgeExpiredTombstones
