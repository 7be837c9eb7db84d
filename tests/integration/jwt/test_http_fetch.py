"""The fetch's name lookup: under the fetch's deadline, bounded, and never the name's stand-in.

`socket.getaddrinfo` is replaced for one made-up name at a time (any other name is
looked up as usual): by a resolver that hangs until the test ends, or by one that
answers 127.0.0.1. Timed on the real clock, since the fetch's own timeout is what
it must not outlast.
"""

import socket
import ssl
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.jwt.jwks_server import KEY_SET_PATH, JwksServer, silent_endpoint
from todo_service.adapters.jwt import http_fetch
from todo_service.adapters.jwt.http_fetch import download
from todo_service.adapters.jwt.jwks_document import KeySetUnavailableError, fetch_signing_keys

TIMEOUT = 0.5
# Generous, for a busy machine: the fetch must end at its timeout, not when the
# resolver gives up (never, here, before the test ends).
MARGIN = 1.0
HANG_SECONDS = 10.0
HUNG_NAME = "hung.example.test"
LOOPBACK_NAME = "jwks.example.test"
MAX_BYTES = 512 * 1024

GetAddrInfo = Callable[..., Any]


@pytest.fixture
def hung_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lookups of HUNG_NAME hang (for 10 s at most) until the test is over."""
    real: GetAddrInfo = socket.getaddrinfo
    over = threading.Event()

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != HUNG_NAME:
            return real(host, *args, **kwargs)
        over.wait(HANG_SECONDS)
        raise socket.gaierror(socket.EAI_AGAIN, "the resolver hung")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
    over.set()
    for thread in lookup_threads():
        thread.join(timeout=5)


@pytest.fixture
def loopback_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOOPBACK_NAME resolves to 127.0.0.1, a name the test server's certificate lacks."""
    real: GetAddrInfo = socket.getaddrinfo

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == LOOPBACK_NAME else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def lookup_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == http_fetch.LOOKUP_THREAD_NAME]


def failure_within_timeout(url: str) -> urllib.error.URLError:
    """How fetching `url` failed to open, checked to have happened by the timeout (and margin)."""
    started = time.monotonic()
    with pytest.raises(urllib.error.URLError) as failed:
        download(url, TIMEOUT, MAX_BYTES)
    assert time.monotonic() - started < TIMEOUT + MARGIN
    return failed.value


def hung_url(port: int = 443, scheme: str = "https") -> str:
    return f"{scheme}://{HUNG_NAME}:{port}{KEY_SET_PATH}"


@pytest.mark.usefixtures("hung_resolver")
def test_a_hanging_name_lookup_fails_at_the_timeout_as_a_silent_tls_handshake_does() -> None:
    # Like connecting, the TLS handshake is a step of opening the connection.
    with silent_endpoint() as url:
        handshake = failure_within_timeout(url.replace("http://", "https://", 1))

    hung = failure_within_timeout(hung_url())

    assert isinstance(handshake.reason, TimeoutError)
    assert type(hung.reason) is type(handshake.reason)


@pytest.mark.usefixtures("hung_resolver")
def test_a_hanging_name_lookup_makes_the_key_set_unavailable_within_the_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(KeySetUnavailableError):
        fetch_signing_keys(hung_url(), TIMEOUT, ("RS256", "ES256", "EdDSA"))
    assert time.monotonic() - started < TIMEOUT + MARGIN


@pytest.mark.usefixtures("hung_resolver")
def test_lookups_left_hanging_by_fetches_in_a_row_are_capped_and_each_fetch_ends_in_time() -> None:
    for attempt in range(http_fetch.MAX_LOOKUPS + 2):
        failure = failure_within_timeout(hung_url(port=8000 + attempt, scheme="http"))
        assert isinstance(failure.reason, TimeoutError)
        assert len(lookup_threads()) <= http_fetch.MAX_LOOKUPS
    # The cap, not luck: every lookup still hangs, and the last fetches found no slot.
    assert len(lookup_threads()) == http_fetch.MAX_LOOKUPS


@pytest.mark.usefixtures("hung_resolver")
def test_a_lookup_left_hanging_does_not_keep_the_next_fetch_from_working(
    jwks_server: JwksServer,
) -> None:
    failure_within_timeout(hung_url())
    # The hung lookup still runs, and holds a slot: the next fetch looks up a name of its own.
    assert download(jwks_server.url_for(KEY_SET_PATH, host="localhost"), 5, MAX_BYTES)


def test_a_name_is_looked_up_and_connected_to_over_tls(tls_jwks_server: JwksServer) -> None:
    url = tls_jwks_server.url_for(KEY_SET_PATH, host="localhost")
    assert download(url, 5, MAX_BYTES) == tls_jwks_server.body


@pytest.mark.usefixtures("loopback_name")
def test_the_certificate_is_checked_against_the_name_not_the_address_it_resolved_to(
    tls_jwks_server: JwksServer, jwks_server: JwksServer
) -> None:
    # Plain http: the name was looked up and connected to.
    assert download(jwks_server.url_for(KEY_SET_PATH, host=LOOPBACK_NAME), 5, MAX_BYTES)
    # The certificate is good for 127.0.0.1, the address, but not for the name.
    with pytest.raises(urllib.error.URLError) as refused:
        download(tls_jwks_server.url_for(KEY_SET_PATH, host=LOOPBACK_NAME), 5, MAX_BYTES)
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
