from datetime import timedelta

from todo_service.application.ports import Clock, UnitOfWorkFactory

# A deletion is stamped when its transaction begins and may commit after a sync took its
# floor: such a token needs the tombstone though it is older than the token. Keeping each
# a day past the retention covers any transaction and any clock skew between instances.
PURGE_MARGIN = timedelta(days=1)


class PurgeExpiredTombstones:
    """Forget the todos deleted longer ago than the change log's retention and a day;
    returns how many tombstones went. Sync tokens older than the retention are refused
    anyway (their clients start over), so none of them needed what is purged."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, retention: timedelta) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._retention = retention

    def __call__(self) -> int:
        with self._unit_of_work() as uow:
            before = self._clock.now() - self._retention - PURGE_MARGIN
            purged = uow.todos.purge_tombstones(before)
            uow.commit()
        return purged
