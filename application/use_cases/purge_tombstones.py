from datetime import timedelta

from todo_service.application.ports import Clock, UnitOfWorkFactory


class PurgeExpiredTombstones:
    """Forget the todos deleted longer ago than the change log's retention; returns how
    many tombstones went. Sync tokens older than the retention are refused anyway (their
    clients start over), so none of them needed what is purged."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, retention: timedelta) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._retention = retention

    def __call__(self) -> int:
        with self._unit_of_work() as uow:
            purged = uow.todos.purge_tombstones(self._clock.now() - self._retention)
            uow.commit()
        return purged
