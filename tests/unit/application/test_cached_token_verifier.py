from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.factories import FixedClock
from todo_service.application import VerifiedClaims
from todo_service.application.errors import InvalidTokenError
from todo_service.application.ports import KeyFetch
from todo_service.application.use_cases import Authenticate, CachedCurrentUser, CachedTokenVerifier

TTL = timedelta(seconds=5)


class OverFetch(KeyFetch):
    """A key fetch that is already over."""

    wait_seconds = 1.0

    def when_over(self, callback: Callable[[], None]) -> None:
        callback()


class CountingVerifier:
    """Accepts the tokens in `valid`, counting every verification it is asked for.

    With `fetching`, every token's key is being fetched: `verify_or_fetch` hands back
    the fetch, and only the keys at hand (or waiting, `verify`) get a verdict.
    """

    def __init__(self, *, fetching: bool = False, expires_in: timedelta | None = None) -> None:
        self.fetching = fetching
        self.valid = {"alice-token": "alice"}
        self.verifications = 0
        self._expires_in = expires_in
        self.clock = FixedClock()

    def verify(self, token: str) -> VerifiedClaims:
        self.verifications += 1
        if token not in self.valid:
            raise InvalidTokenError
        expires_at = None if self._expires_in is None else self.clock.now() + self._expires_in
        return VerifiedClaims(self.valid[token], expires_at=expires_at)

    def verify_or_fetch(self, token: str) -> VerifiedClaims | KeyFetch:
        return OverFetch() if self.fetching else self.verify(token)

    def verify_with_keys_at_hand(self, token: str) -> VerifiedClaims:
        return self.verify(token)


def _cached(verifier: CountingVerifier, ttl: timedelta = TTL) -> CachedTokenVerifier:
    return CachedTokenVerifier(verifier, verifier.clock, ttl)


def test_a_token_accepted_once_is_not_verified_again_within_the_bound() -> None:
    inner = CountingVerifier()
    sut = _cached(inner)
    assert sut.verify("alice-token").subject == "alice"
    inner.clock.advance(TTL.total_seconds() - 0.001)
    assert sut.verify("alice-token").subject == "alice"
    assert inner.verifications == 1


def test_a_token_is_verified_again_once_the_bound_has_passed() -> None:
    inner = CountingVerifier()
    sut = _cached(inner)
    sut.verify("alice-token")
    inner.clock.advance(TTL.total_seconds())
    del inner.valid["alice-token"]  # e.g. its signing key was withdrawn
    with pytest.raises(InvalidTokenError):
        sut.verify("alice-token")


def test_a_token_is_never_remembered_past_its_expiry() -> None:
    inner = CountingVerifier(expires_in=timedelta(seconds=1))
    sut = _cached(inner)
    sut.verify("alice-token")
    inner.clock.advance(1)
    assert sut.remembered("alice-token") is None
    sut.verify("alice-token")
    assert inner.verifications == 2


def test_a_refusal_is_never_remembered() -> None:
    inner = CountingVerifier()
    sut = _cached(inner)
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            sut.verify("forged")
    assert inner.verifications == 2
    assert sut.remembered("forged") is None


def test_a_zero_bound_verifies_every_time() -> None:
    inner = CountingVerifier()
    sut = _cached(inner, timedelta(0))
    sut.verify("alice-token")
    sut.verify("alice-token")
    assert inner.verifications == 2


def test_the_cache_starts_over_when_full() -> None:
    inner = CountingVerifier()
    inner.valid.update({"bob-token": "bob", "carol-token": "carol"})
    sut = CachedTokenVerifier(inner, inner.clock, TTL, max_entries=2)
    for token in ("alice-token", "bob-token", "carol-token"):
        sut.verify(token)
    assert sut.remembered("alice-token") is None
    assert sut.remembered("carol-token") is not None


def test_claims_whose_keys_are_being_fetched_come_as_the_fetch_until_remembered() -> None:
    inner = CountingVerifier(fetching=True)
    users = CachedCurrentUser(lambda _: pytest.fail("no user is needed"), inner.clock, TTL)
    sut = Authenticate(_cached(inner), users)
    assert not isinstance(sut.claims_or_fetch("alice-token"), VerifiedClaims)
    assert inner.verifications == 0
    assert sut.claims_with_keys_at_hand("alice-token").subject == "alice"
    claims = sut.claims_or_fetch("alice-token")
    assert isinstance(claims, VerifiedClaims)
    assert claims.subject == "alice"
    assert inner.verifications == 1


def test_claims_that_need_no_fetch_are_checked_at_once_and_refusals_raise() -> None:
    inner = CountingVerifier()
    users = CachedCurrentUser(lambda _: pytest.fail("no user is needed"), inner.clock, TTL)
    sut = Authenticate(_cached(inner), users)
    claims = sut.claims_or_fetch("alice-token")
    assert isinstance(claims, VerifiedClaims)
    assert claims.subject == "alice"
    with pytest.raises(InvalidTokenError):
        sut.claims_or_fetch("forged")
    with pytest.raises(InvalidTokenError):
        sut.claims_with_keys_at_hand("forged")
