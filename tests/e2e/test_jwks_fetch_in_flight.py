"""While the identity provider's key set endpoint hangs, requests that need the fetch wait
for it on the event loop, holding no thread each, and tokens whose key is cached go on.

The endpoint holds the one fetch an unknown `kid` starts, until the test releases it
(or the fetch's timeout ends it); the 60 requests with unknown `kid`s sent meanwhile
all wait for that fetch. Nothing is timed: what is shown is which requests are
answered while the fetch is held, how many threads the service holds for them, what
each is answered, and how many fetches the endpoint sees.
"""

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2
import pytest
from dependency_injector import providers

from tests.e2e.conftest import bearer, jwks_settings, make_settings
from tests.factories import SteppedSeconds
from tests.integration.jwt.jwks_server import JwksServer
from tests.jwt_factories import SigningKey, make_ed25519_key, provider_claims
from todo_service.adapters.jwt import JwksKeys, PyJwtTokenVerifier
from todo_service.application import VerifiedClaims
from todo_service.application.ports import KeyFetch, TokenVerifier
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app

ME = "/api/users/me"
UNKNOWN_KIDS = 60
COOLDOWN = 30
# Ends a held fetch that nothing released; only a service that makes a cached key wait
# for the fetch takes this long (and then fails).
FETCH_TIMEOUT = 15
# Threads a service may start for one fetch, whatever the number of requests waiting:
# the fetch's own, and the endpoint's thread holding it.
THREADS_PER_FETCH = 2
# Loop turns that let each request sent go as far as it can (all in memory, no I/O).
SETTLING_TURNS = 200


@pytest.fixture
def signing_key() -> SigningKey:
    return make_ed25519_key()


@pytest.fixture
def key_set(signing_key: SigningKey) -> Iterator[JwksServer]:
    server = JwksServer()
    server.publish(signing_key)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> SteppedSeconds:
    return SteppedSeconds(start=1000.0)


@contextmanager
def service(
    key_set: JwksServer, clock: SteppedSeconds, fetch_timeout: float = FETCH_TIMEOUT
) -> Iterator[httpx2.AsyncClient]:
    """A client of the app on `key_set`'s keys, to be used inside one `asyncio.run`."""
    settings = jwks_settings(
        key_set.url,
        jwt_jwks_timeout_seconds=fetch_timeout,
        jwt_jwks_refetch_cooldown_seconds=COOLDOWN,
    )
    container = Container(settings=settings)
    # The real verifier and key set, on a clock the test moves past the refetch cooldown.
    config = container.jwt_config()
    keys = JwksKeys(config, monotonic=clock)
    container.token_verifier.override(providers.Object(PyJwtTokenVerifier(config, keys)))
    try:
        yield client_of(container)
    finally:
        container.unwire()
        container.reset_override()


def client_of(container: Container) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=create_app(container))
    return httpx2.AsyncClient(transport=transport, base_url="http://service")


def unknown_kid_tokens(count: int) -> list[str]:
    stranger = make_ed25519_key(kid="stranger")
    return [stranger.sign(provider_claims(), kid=f"unknown-{n}") for n in range(count)]


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def settle() -> None:
    for _ in range(SETTLING_TURNS):
        await asyncio.sleep(0)


def test_unknown_kids_wait_for_a_hanging_fetch_without_a_thread_each_and_cached_keys_go_on(
    key_set: JwksServer, clock: SteppedSeconds, signing_key: SigningKey
) -> None:
    async def scenario(client: httpx2.AsyncClient) -> None:
        async with client:
            first = await client.get(ME, headers=bearer(signing_key.sign(provider_claims())))
            assert first.status_code == 200
            assert key_set.fetches == 1

            key_set.hold()
            clock.now += COOLDOWN
            threads_before = threading.active_count()
            waiting = [
                asyncio.create_task(client.get(ME, headers=bearer(token)))
                for token in unknown_kid_tokens(UNKNOWN_KIDS)
            ]
            await until(lambda: key_set.fetches == 2)
            await settle()
            assert threading.active_count() - threads_before <= THREADS_PER_FETCH

            # A user whose token the service has not seen, signed with the cached key.
            bob = signing_key.sign(provider_claims(sub="bob"))
            answered = await client.get(ME, headers=bearer(bob))

            assert answered.status_code == 200
            assert answered.json()["id"] == "bob"
            assert not any(request.done() for request in waiting)

            key_set.release()
            refused = await asyncio.gather(*waiting)
            # Each waited for the fetch's verdict: its key is not in the key set (401),
            # rather than "no keys to be had" (503).
            assert [response.status_code for response in refused] == [401] * UNKNOWN_KIDS
            assert key_set.fetches == 2

    with service(key_set, clock) as client:
        asyncio.run(scenario(client))


def test_within_the_cooldown_unknown_kids_are_refused_without_a_fetch_or_a_wait(
    key_set: JwksServer, clock: SteppedSeconds, signing_key: SigningKey
) -> None:
    async def scenario(client: httpx2.AsyncClient) -> None:
        async with client:
            assert (
                await client.get(ME, headers=bearer(signing_key.sign(provider_claims())))
            ).status_code == 200
            key_set.hold()
            refused = await asyncio.gather(
                *(client.get(ME, headers=bearer(token)) for token in unknown_kid_tokens(100))
            )
            assert {response.status_code for response in refused} == {401}
            assert key_set.fetches == 1

    with service(key_set, clock) as client:
        asyncio.run(scenario(client))


def test_unknown_kids_waiting_for_a_fetch_that_times_out_are_503_with_retry_after(
    key_set: JwksServer, clock: SteppedSeconds, signing_key: SigningKey
) -> None:
    async def scenario(client: httpx2.AsyncClient) -> None:
        async with client:
            token = signing_key.sign(provider_claims())
            assert (await client.get(ME, headers=bearer(token))).status_code == 200
            key_set.hold()
            clock.now += COOLDOWN
            refused = await asyncio.gather(
                *(client.get(ME, headers=bearer(t)) for t in unknown_kid_tokens(UNKNOWN_KIDS))
            )
            assert {response.status_code for response in refused} == {503}
            assert all(response.headers["retry-after"].isdigit() for response in refused)
            assert key_set.fetches == 2
            # The keys fetched before are still trusted.
            assert (await client.get(ME, headers=bearer(token))).status_code == 200

    with service(key_set, clock, fetch_timeout=0.5) as client:
        asyncio.run(scenario(client))


class EndlessFetch(KeyFetch):
    """A fetch that is never over, as one stuck where its own deadline does not reach."""

    wait_seconds = 0.1

    def when_over(self, callback: Callable[[], None]) -> None:
        """Never calls back."""


class AlwaysFetching(TokenVerifier):
    def verify(self, token: str) -> VerifiedClaims:
        raise AssertionError("a request must never wait for a fetch in a thread")

    def verify_or_fetch(self, token: str) -> KeyFetch:
        return EndlessFetch()

    def verify_with_keys_at_hand(self, token: str) -> VerifiedClaims:
        raise AssertionError("the fetch is never over")


def test_a_request_waits_for_a_key_fetch_at_most_its_wait_then_gets_503() -> None:
    container = Container(settings=make_settings())
    container.token_verifier.override(providers.Object(AlwaysFetching()))

    async def scenario(client: httpx2.AsyncClient) -> None:
        async with client:
            response = await client.get(ME, headers=bearer("any.token.at-all"))
            assert response.status_code == 503
            assert response.headers["retry-after"].isdigit()

    try:
        asyncio.run(scenario(client_of(container)))
    finally:
        container.unwire()
        container.reset_override()
