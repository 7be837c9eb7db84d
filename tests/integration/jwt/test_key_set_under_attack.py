"""The attacks a misbehaving identity provider made possible, replayed against the key set.

The endpoint fails (500), hangs (accepts and holds every request until the test
releases it), trickles (sends its answer a few bytes at a time), redirects, or
rotates its keys. Time is a clock the test moves: fetches are counted, and waiting
is shown by which verifications finish while a fetch is held. Only a trickle is
timed on the real clock, since a fetch's own timeout is what it must not outlast.
"""

import threading
import time
from collections.abc import Callable, Iterable, Iterator

import pytest

from tests.factories import SteppedSeconds
from tests.integration.jwt.jwks_server import JwksServer
from tests.jwt_factories import PROVIDER, SigningKey, make_ed25519_key, provider_claims
from todo_service.adapters.jwt import JwksKeys, JwtConfig, PyJwtTokenVerifier
from todo_service.adapters.jwt.jwks_document import KeySetUnavailableError, fetch_signing_keys
from todo_service.application.errors import AuthenticationUnavailableError, InvalidTokenError
from todo_service.application.ports import KeyFetch, VerifiedClaims

LIFETIME = 300
COOLDOWN = 30
# A trickling endpoint's fetches time out after this; the endpoint sends a piece every
# half of it, so no single read ever times out.
TRICKLE_TIMEOUT = 1.0
# Generous, for a busy machine: the fetch must end at its timeout (it ends within a few
# milliseconds of it), not at the trickle's pace (7 s and more here).
TRICKLE_MARGIN = 1.0
MOVED = "/moved/jwks.json"


@pytest.fixture
def clock() -> SteppedSeconds:
    return SteppedSeconds(start=1000.0)


def verifier_for(
    url: str, clock: SteppedSeconds, timeout_seconds: float = 60
) -> PyJwtTokenVerifier:
    config = JwtConfig(
        jwks_url=url,
        jwks_cache_seconds=LIFETIME,
        jwks_refetch_cooldown_seconds=COOLDOWN,
        jwks_timeout_seconds=timeout_seconds,
        **PROVIDER,
    )
    return PyJwtTokenVerifier(config, JwksKeys(config, monotonic=clock))


@pytest.fixture
def sut(jwks_server: JwksServer, clock: SteppedSeconds) -> PyJwtTokenVerifier:
    # A 60 s timeout: a verification stuck behind a held fetch could not finish first.
    return verifier_for(jwks_server.url, clock)


def strangers(count: int) -> Iterator[str]:
    """Tokens naming `kid`s nobody publishes: no valid signature is needed to ask."""
    stranger = make_ed25519_key(kid="stranger")
    for number in range(count):
        yield stranger.sign(provider_claims(), kid=f"unknown-{number}")


Threads = list[threading.Thread]


def run_together(count: int, call: Callable[[], object]) -> tuple[Threads, list[object]]:
    """`call` in `count` threads at once: the threads, and each one's result or error."""
    outcomes: list[object] = []

    def record() -> None:
        try:
            outcomes.append(call())
        except Exception as error:
            outcomes.append(error)

    threads = [threading.Thread(target=record, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def finish(threads: Threads) -> None:
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()


def refusals(sut: PyJwtTokenVerifier, tokens: Iterable[str]) -> list[Exception]:
    """What verifying each token raised; a token accepted fails the test."""
    return _refused(sut.verify, tokens)


def refusals_at_hand(sut: PyJwtTokenVerifier, tokens: Iterable[str]) -> list[Exception]:
    """What verifying each token with the keys at hand raised; a token accepted fails."""
    return _refused(sut.verify_with_keys_at_hand, tokens)


def _refused(verify: Callable[[str], object], tokens: Iterable[str]) -> list[Exception]:
    raised: list[Exception] = []
    for token in tokens:
        with pytest.raises((InvalidTokenError, AuthenticationUnavailableError)) as refused:
            verify(token)
        raised.append(refused.value)
    return raised


def held_after(
    seconds: float,
    sut: PyJwtTokenVerifier,
    key: SigningKey,
    clock: SteppedSeconds,
    jwks_server: JwksServer,
) -> str:
    """A token whose key is now cached; then `seconds` pass and the endpoint holds fetches."""
    token = key.sign(provider_claims())
    sut.verify(token)
    jwks_server.hold()
    clock.advance(seconds)
    return token


def settle(sut: PyJwtTokenVerifier) -> None:
    """Return once no fetch is in flight: an unknown `kid` waits for one, else needs none."""
    with pytest.raises((InvalidTokenError, AuthenticationUnavailableError)):
        sut.verify(next(strangers(1)))


def test_while_the_endpoint_fails_unknown_kids_cause_one_fetch_per_cooldown(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    jwks_server.status = 500
    raised = refusals(sut, strangers(300))
    assert all(isinstance(error, AuthenticationUnavailableError) for error in raised)
    assert jwks_server.fetches == 1

    clock.advance(COOLDOWN - 1)
    with pytest.raises(AuthenticationUnavailableError):
        sut.verify(ed25519_key.sign(provider_claims()))
    assert jwks_server.fetches == 1

    jwks_server.status = 200
    clock.advance(1)
    assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"
    assert jwks_server.fetches == 2


def test_unknown_kids_cause_one_fetch_per_cooldown_while_the_endpoint_works(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    sut.verify(ed25519_key.sign(provider_claims()))
    raised = refusals(sut, strangers(300))
    assert {getattr(error, "reason", None) for error in raised} == {"unknown_key"}
    assert jwks_server.fetches == 1

    clock.advance(COOLDOWN)
    refusals(sut, strangers(300))
    assert jwks_server.fetches == 2


def test_a_hanging_endpoint_never_delays_tokens_whose_key_is_cached(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    held_after(COOLDOWN, sut, ed25519_key, clock, jwks_server)
    attacks = list(strangers(20))
    attackers, refusals = run_together(20, lambda: sut.verify(attacks.pop()))
    jwks_server.wait_for_fetches(2)

    for number in range(50):
        token = ed25519_key.sign(provider_claims(sub=f"user-{number}"))
        assert sut.verify(token).subject == f"user-{number}"

    # Done while the attackers still wait on the one fetch the endpoint holds.
    assert all(thread.is_alive() for thread in attackers)
    assert jwks_server.fetches == 2
    jwks_server.release()
    finish(attackers)
    assert len(refusals) == 20
    assert all(isinstance(outcome, InvalidTokenError) for outcome in refusals)
    assert jwks_server.fetches == 2


def test_during_a_hanging_fetch_unknown_kids_are_handed_the_fetch_and_told_when_it_is_over(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    held_after(COOLDOWN, sut, ed25519_key, clock, jwks_server)
    threads_before = threading.active_count()
    attacks = list(strangers(60))
    # All asked from this one thread: a call that waited for the held fetch never returns.
    over = threading.Semaphore(0)
    fetches: list[KeyFetch] = []
    for token in attacks:
        fetch = sut.verify_or_fetch(token)
        assert not isinstance(fetch, VerifiedClaims)
        fetch.when_over(over.release)
        fetches.append(fetch)
    assert len({id(fetch) for fetch in fetches}) == 1
    # The fetch's own thread, and the endpoint's holding it: none per token.
    assert threading.active_count() - threads_before <= 2

    cached = sut.verify_or_fetch(ed25519_key.sign(provider_claims(sub="bob")))
    assert isinstance(cached, VerifiedClaims)
    assert cached.subject == "bob"
    assert not over.acquire(blocking=False)

    jwks_server.release()
    for _ in attacks:
        assert over.acquire(timeout=30)
    raised = refusals_at_hand(sut, attacks)
    assert {getattr(error, "reason", None) for error in raised} == {"unknown_key"}
    assert jwks_server.fetches == 2
    told = threading.Event()
    fetches[0].when_over(told.set)
    assert told.is_set()


def test_the_keys_at_hand_never_start_a_fetch(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    token = ed25519_key.sign(provider_claims())
    with pytest.raises(AuthenticationUnavailableError):
        sut.verify_with_keys_at_hand(token)
    sut.verify(token)
    clock.advance(LIFETIME)
    raised = refusals_at_hand(sut, [token, *strangers(3)])
    assert all(isinstance(error, AuthenticationUnavailableError) for error in raised)
    assert jwks_server.fetches == 1


def test_when_the_cache_expires_concurrent_requests_share_one_fetch(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    token = held_after(LIFETIME, sut, ed25519_key, clock, jwks_server)
    requests, outcomes = run_together(40, lambda: sut.verify(token).subject)
    jwks_server.wait_for_fetches(2)
    jwks_server.release()
    finish(requests)
    assert outcomes == ["alice"] * 40
    assert jwks_server.fetches == 2


def test_the_keys_are_refreshed_in_the_background_before_they_expire(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    held_after(LIFETIME * 0.8, sut, ed25519_key, clock, jwks_server)
    for _ in range(10):
        # Served from the cache while the refresh it started is held at the endpoint.
        assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"
    jwks_server.wait_for_fetches(2)
    jwks_server.release()
    settle(sut)

    clock.advance(LIFETIME * 0.5)
    assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"
    assert jwks_server.fetches == 2


def test_a_rotated_in_key_is_trusted_after_the_cooldown_and_a_withdrawn_one_after_the_lifetime(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    old_token = ed25519_key.sign(provider_claims())
    sut.verify(old_token)
    new_key = make_ed25519_key(kid="ed-2")
    jwks_server.publish(new_key)

    with pytest.raises(InvalidTokenError):
        sut.verify(new_key.sign(provider_claims()))
    assert jwks_server.fetches == 1

    clock.advance(COOLDOWN)
    assert sut.verify(new_key.sign(provider_claims(sub="bob"))).subject == "bob"
    assert jwks_server.fetches == 2
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(old_token)
    assert refused.value.reason == "unknown_key"


def test_expired_keys_are_not_trusted_while_the_endpoint_fails(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    token = ed25519_key.sign(provider_claims())
    sut.verify(token)
    jwks_server.status = 500
    clock.advance(LIFETIME)
    raised = refusals(sut, [token] * 3)
    assert all(isinstance(error, AuthenticationUnavailableError) for error in raised)
    assert jwks_server.fetches == 2


def test_a_token_meant_for_another_application_of_the_provider_is_refused(
    sut: PyJwtTokenVerifier, ed25519_key: SigningKey
) -> None:
    for claims, reason in (
        (provider_claims(aud="some-other-app"), "wrong_audience"),
        (provider_claims(iss="https://other-tenant.example.com"), "wrong_issuer"),
        (provider_claims(aud=None), "missing_claim"),
    ):
        with pytest.raises(InvalidTokenError) as refused:
            sut.verify(ed25519_key.sign({k: v for k, v in claims.items() if v is not None}))
        assert refused.value.reason == reason


@pytest.mark.parametrize("server_name", ["jwks_server", "tls_jwks_server"])
@pytest.mark.parametrize("trickled", ["body", "headers"])
def test_a_trickling_endpoint_cannot_keep_a_fetch_past_its_timeout(
    server_name: str, trickled: str, request: pytest.FixtureRequest
) -> None:
    endpoint: JwksServer = request.getfixturevalue(server_name)
    endpoint.trickle(TRICKLE_TIMEOUT / 2, headers=trickled == "headers")
    assert endpoint.trickle_seconds > 5 * TRICKLE_TIMEOUT
    started = time.monotonic()
    with pytest.raises(KeySetUnavailableError):
        fetch_signing_keys(endpoint.url, TRICKLE_TIMEOUT, ("RS256", "ES256", "EdDSA"))
    assert time.monotonic() - started < TRICKLE_TIMEOUT + TRICKLE_MARGIN


def test_a_trickling_endpoint_does_not_keep_the_next_fetch_from_starting(
    jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    sut = verifier_for(jwks_server.url, clock, timeout_seconds=TRICKLE_TIMEOUT)
    token = ed25519_key.sign(provider_claims())
    jwks_server.trickle(TRICKLE_TIMEOUT / 2)
    with pytest.raises(AuthenticationUnavailableError):
        sut.verify(token)
    settle(sut)

    # A trickle the fetch outlived would still be "in flight", and this would wait on it.
    jwks_server.trickle(None)
    clock.advance(COOLDOWN)
    assert sut.verify(token).subject == "alice"
    assert jwks_server.fetches == 2


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_on_the_same_host_is_followed(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, ed25519_key: SigningKey, status: int
) -> None:
    jwks_server.redirect_to(jwks_server.url_for(MOVED), status)
    assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"
    assert jwks_server.fetches == 2


def test_a_redirect_to_another_host_fails_the_fetch_and_the_cached_keys_keep_working(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, clock: SteppedSeconds, ed25519_key: SigningKey
) -> None:
    token = ed25519_key.sign(provider_claims())
    sut.verify(token)
    # The same server under another name: a redirect followed there would find the keys.
    jwks_server.redirect_to(jwks_server.url_for(MOVED, host="localhost"))
    clock.advance(COOLDOWN)

    with pytest.raises(AuthenticationUnavailableError):
        sut.verify(next(strangers(1)))
    assert jwks_server.fetches == 2
    assert sut.verify(token).subject == "alice"


def test_a_redirect_from_https_to_http_fails_the_fetch_even_on_the_same_host(
    tls_jwks_server: JwksServer,
    jwks_server: JwksServer,
    clock: SteppedSeconds,
    ed25519_key: SigningKey,
) -> None:
    sut = verifier_for(tls_jwks_server.url, clock)
    token = ed25519_key.sign(provider_claims())
    sut.verify(token)
    # Plain http on 127.0.0.1, publishing the same keys: anyone on the path could swap them.
    tls_jwks_server.redirect_to(jwks_server.url_for(MOVED))
    clock.advance(COOLDOWN)

    with pytest.raises(AuthenticationUnavailableError):
        sut.verify(next(strangers(1)))
    assert (tls_jwks_server.fetches, jwks_server.fetches) == (2, 0)
    assert sut.verify(token).subject == "alice"
