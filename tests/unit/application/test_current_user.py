from datetime import timedelta

import pytest

from tests.factories import T0, FixedClock
from todo_service.application import TodoService, VerifiedClaims
from todo_service.application.errors import InvalidTokenError
from todo_service.application.use_cases import Authenticate, CachedCurrentUser, CachedTokenVerifier
from todo_service.domain import UserDeactivatedError, UserId, UserNotFoundError


def test_a_user_is_created_on_first_sight_from_the_claims(service: TodoService) -> None:
    user = service.current_user(VerifiedClaims("alice", email="a@example.com", name="Alice"))
    assert (user.id, user.email, user.name, user.created_at) == (
        UserId("alice"),
        "a@example.com",
        "Alice",
        T0,
    )
    assert service.current_user(VerifiedClaims("alice", email="changed@example.com")) == user


def test_claims_that_break_the_profile_rules_are_left_out(service: TodoService) -> None:
    user = service.current_user(VerifiedClaims("alice", email="x" * 1000, name="A\x00"))
    assert (user.email, user.name) == (None, None)


def test_a_deactivated_user_is_refused_and_can_be_reactivated(service: TodoService) -> None:
    service.current_user(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=False)
    with pytest.raises(UserDeactivatedError):
        service.current_user(VerifiedClaims("alice"))
    service.set_user_active(UserId("alice"), active=True)
    assert service.current_user(VerifiedClaims("alice")).active


def test_an_unknown_user_cannot_be_deactivated(service: TodoService) -> None:
    with pytest.raises(UserNotFoundError):
        service.set_user_active(UserId("nobody"), active=False)


class _StaticVerifier:
    def verify(self, token: str) -> VerifiedClaims:
        if token == "control-characters":
            return VerifiedClaims("ali\nce")
        if token == "too-long":
            return VerifiedClaims("a" * 256)
        if token != "good":
            raise InvalidTokenError
        return VerifiedClaims("alice")

    verify_or_fetch = verify_with_keys_at_hand = verify


def _authenticate(service: TodoService) -> Authenticate:
    clock, bound = FixedClock(), timedelta(seconds=5)
    tokens = CachedTokenVerifier(_StaticVerifier(), clock, bound)
    return Authenticate(tokens, CachedCurrentUser(service.current_user, clock, bound))


def test_authenticate_returns_the_user_behind_a_valid_token(service: TodoService) -> None:
    sut = _authenticate(service)
    assert sut("good").id == UserId("alice")
    with pytest.raises(InvalidTokenError):
        sut("bad")


@pytest.mark.parametrize("token", ["control-characters", "too-long"])
def test_a_subject_that_cannot_name_a_user_is_an_invalid_token(
    service: TodoService, token: str
) -> None:
    sut = _authenticate(service)
    with pytest.raises(InvalidTokenError):
        sut(token)
