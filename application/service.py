from dataclasses import dataclass
from datetime import timedelta

from todo_service.application.cursors import CursorCodec
from todo_service.application.idempotency import DEFAULT_IDEMPOTENCY_TTL
from todo_service.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from todo_service.application.use_cases import (
    CreateTodo,
    CurrentUser,
    DeleteTodo,
    GetTodo,
    ListTodos,
    PurgeExpiredIdempotencyKeys,
    SetUserActive,
    ToggleTodo,
    UpdateTodo,
)


@dataclass(frozen=True, slots=True)
class TodoService:
    """Every use case, wired to one set of ports: what another Python service calls."""

    create_todo: CreateTodo
    get_todo: GetTodo
    update_todo: UpdateTodo
    delete_todo: DeleteTodo
    toggle_todo: ToggleTodo
    list_todos: ListTodos
    current_user: CurrentUser
    set_user_active: SetUserActive
    purge_expired_idempotency_keys: PurgeExpiredIdempotencyKeys

    @classmethod
    def build(
        cls,
        *,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        cursor_secret: bytes,
        idempotency_ttl: timedelta = DEFAULT_IDEMPOTENCY_TTL,
    ) -> "TodoService":
        return cls(
            create_todo=CreateTodo(unit_of_work, clock, ids, idempotency_ttl),
            get_todo=GetTodo(unit_of_work),
            update_todo=UpdateTodo(unit_of_work, clock),
            delete_todo=DeleteTodo(unit_of_work),
            toggle_todo=ToggleTodo(unit_of_work, clock),
            list_todos=ListTodos(unit_of_work, CursorCodec(cursor_secret)),
            current_user=CurrentUser(unit_of_work, clock),
            set_user_active=SetUserActive(unit_of_work),
            purge_expired_idempotency_keys=PurgeExpiredIdempotencyKeys(unit_of_work, clock),
        )
