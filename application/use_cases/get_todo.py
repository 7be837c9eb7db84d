from todo_service.application.ports import UnitOfWorkFactory
from todo_service.application.use_cases.common import load_owned
from todo_service.domain import Todo, TodoId, UserId


class GetTodo:
    """Return one of the acting user's todos; another user's todo is reported as not found."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    def __call__(self, actor: UserId, todo_id: TodoId) -> Todo:
        with self._unit_of_work() as uow:
            return load_owned(uow.todos, actor, todo_id)
