"""The idempotency-key part of the contract, run on every adapter and through PgBouncer and TLS."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from tests.contract.conftest import Backend
from tests.contract.helpers import UnitOfWorkFactory, make_user
from tests.factories import ALICE, BOB, T0
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.domain import UserId

TTL = timedelta(hours=24)


def _record(
    owner: UserId = ALICE, key: str = "k", fingerprint: str = "f", expires_at: datetime = T0 + TTL
) -> IdempotencyRecord:
    return IdempotencyRecord(owner, key, fingerprint, uuid.uuid4(), expires_at)


def _claim(
    unit_of_work: UnitOfWorkFactory, record: IdempotencyRecord, now: datetime = T0
) -> IdempotencyRecord:
    with unit_of_work() as uow:
        uow.users.add_if_absent(make_user(record.owner_id))
        holder = uow.idempotency.claim(record, now)
        uow.commit()
    return holder


def test_the_first_claim_of_a_key_wins_and_later_ones_get_the_winner(core_backend: Backend) -> None:
    first, second = _record(fingerprint="a"), _record(fingerprint="b")
    assert _claim(core_backend.unit_of_work, first) == first
    assert _claim(core_backend.unit_of_work, second) == first


def test_keys_belong_to_one_user(core_backend: Backend) -> None:
    alices, bobs = _record(ALICE), _record(BOB)
    assert _claim(core_backend.unit_of_work, alices) == alices
    assert _claim(core_backend.unit_of_work, bobs) == bobs


def test_a_dead_record_is_replaced_by_the_next_claim(core_backend: Backend) -> None:
    old = _record(fingerprint="old")
    new = _record(fingerprint="new", expires_at=old.expires_at + TTL)
    _claim(core_backend.unit_of_work, old)
    assert _claim(core_backend.unit_of_work, new, now=old.expires_at) == new
    assert _claim(core_backend.unit_of_work, _record(), now=old.expires_at) == new


def test_an_uncommitted_claim_leaves_the_key_free(core_backend: Backend) -> None:
    abandoned, kept = _record(fingerprint="a"), _record(fingerprint="b")
    with core_backend.unit_of_work() as uow:
        uow.users.add_if_absent(make_user(ALICE))
        uow.commit()
        uow.idempotency.claim(abandoned, T0)
    assert _claim(core_backend.unit_of_work, kept) == kept


def test_purging_deletes_only_dead_records(core_backend: Backend) -> None:
    dead = _claim(core_backend.unit_of_work, _record(key="dead"))
    live = _record(key="live", expires_at=dead.expires_at + TTL)
    _claim(core_backend.unit_of_work, live)
    with core_backend.unit_of_work() as uow:
        assert uow.idempotency.purge_expired(dead.expires_at) == 1
        uow.commit()
    assert _claim(core_backend.unit_of_work, _record(key="live"), now=dead.expires_at) == live


def test_racing_claims_of_one_key_agree_on_one_winner(backend: Backend) -> None:
    with backend.unit_of_work() as uow:
        uow.users.add_if_absent(make_user(ALICE))
        uow.commit()
    records = [_record(fingerprint=str(i)) for i in range(8)]
    start = threading.Barrier(len(records))

    def claim(record: IdempotencyRecord) -> IdempotencyRecord:
        start.wait()
        return _claim(backend.unit_of_work, record)

    with ThreadPoolExecutor(max_workers=len(records)) as pool:
        holders = list(pool.map(claim, records))
    assert len(set(holders)) == 1
    assert holders[0] in records
