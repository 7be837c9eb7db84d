from todo_service.application.ports import Clock, UnitOfWorkFactory


class PurgeExpiredIdempotencyKeys:
    """Delete idempotency keys past their lifetime; returns how many were deleted.

    Expired keys are already ignored by creates; this only reclaims their storage.
    """

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def __call__(self) -> int:
        with self._unit_of_work() as uow:
            purged = uow.idempotency.purge_expired(self._clock.now())
            uow.commit()
        return purged
