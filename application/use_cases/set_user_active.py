from todo_service.application.ports import UnitOfWorkFactory
from todo_service.domain import User, UserId, UserNotFoundError


class SetUserActive:
    """Deactivate or reactivate a known user; a deactivated user's requests are refused."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    def __call__(self, user_id: UserId, active: bool) -> User:
        with self._unit_of_work() as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise UserNotFoundError
            changed = user.with_active(active)
            if changed is not user:
                uow.users.save(changed)
                uow.commit()
        return changed
