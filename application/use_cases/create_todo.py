from application.ports import Clock, IdGenerator, UnitOfWorkFactory
from domain import NewTodo, Todo, User, UserId


class CreateTodo:
    """Create a todo owned by the acting user.

    - The title is stripped and must be 1-200 characters without control characters.
    - The description is at most 5000 characters without NUL; priority defaults to medium.
    - The due date must carry a timezone offset and is stored in UTC.
    - The service sets the id, the timestamps and version 1; a todo created completed
      is completed now.
    - A user seen for the first time is recorded; a deactivated user may not create.
    """

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._ids = ids

    def __call__(self, actor: UserId, new: NewTodo) -> Todo:
        now = self._clock.now()
        todo = Todo.create(self._ids.new_todo_id(), actor, new, now)
        with self._unit_of_work() as uow:
            uow.users.add_if_absent(
                User(actor, email=None, name=None, created_at=now)
            ).require_active()
            uow.todos.add(todo)
            uow.commit()
        return todo
