from datetime import timedelta

import pytest

from tests.factories import FixedClock
from todo_service.application import TodoService, VerifiedClaims
from todo_service.application.use_cases import CachedCurrentUser
from todo_service.domain import UserDeactivatedError, UserId

TTL = timedelta(seconds=5)


@pytest.fixture
def sut(service: TodoService, clock: FixedClock) -> CachedCurrentUser:
    return CachedCurrentUser(service.current_user, clock, TTL)


def test_a_deactivation_takes_effect_once_the_cached_user_is_older_than_the_bound(
    sut: CachedCurrentUser, service: TodoService, clock: FixedClock
) -> None:
    sut(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=False)
    clock.advance(TTL.total_seconds() - 0.001)
    assert sut(VerifiedClaims("alice")).active
    clock.advance(0.001)
    with pytest.raises(UserDeactivatedError):
        sut(VerifiedClaims("alice"))


def test_a_refusal_is_not_remembered(sut: CachedCurrentUser, service: TodoService) -> None:
    service.current_user(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=False)
    with pytest.raises(UserDeactivatedError):
        sut(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=True)
    assert sut(VerifiedClaims("alice")).active


def test_a_zero_bound_looks_the_user_up_every_time(service: TodoService, clock: FixedClock) -> None:
    sut = CachedCurrentUser(service.current_user, clock, timedelta(0))
    sut(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=False)
    with pytest.raises(UserDeactivatedError):
        sut(VerifiedClaims("alice"))


def test_a_full_cache_starts_over_instead_of_growing(
    service: TodoService, clock: FixedClock
) -> None:
    sut = CachedCurrentUser(service.current_user, clock, TTL, max_entries=2)
    for subject in ("alice", "bob", "carol"):
        sut(VerifiedClaims(subject))
    service.set_user_active(UserId("alice"), active=False)
    with pytest.raises(UserDeactivatedError):
        sut(VerifiedClaims("alice"))


def test_a_remembered_user_is_had_without_asking_and_an_unknown_one_is_not(
    sut: CachedCurrentUser, service: TodoService
) -> None:
    assert sut.remembered(VerifiedClaims("alice")) is None
    sut(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=False)
    remembered = sut.remembered(VerifiedClaims("alice"))
    assert remembered is not None
    assert remembered.active  # as returned, within the bound
