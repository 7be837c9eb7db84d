import threading
import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any

from jwt import PyJWK

from todo_service.adapters.jwt.config import JwtConfig
from todo_service.adapters.jwt.jwks_document import KeySetUnavailableError, fetch_signing_keys
from todo_service.application.errors import AuthenticationUnavailableError, InvalidTokenError
from todo_service.application.ports import KeyFetch

MAX_KID_LENGTH = 256
# Refreshed in the background once this share of the cache lifetime has passed, so
# that steady traffic never finds the keys expired (and never waits for them).
REFRESH_AFTER_SHARE = 0.75


class _Fetch(KeyFetch):
    """One fetch of the key set: who waits for it, blocking or told by a callback."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._over = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def when_over(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self._over.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def wait(self) -> bool:
        """Block until the fetch is over, at most `wait_seconds`; whether it is over."""
        return self._over.wait(self.wait_seconds)

    def end(self) -> None:
        with self._lock:
            self._over.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()


class JwksKeys:
    """The identity provider's signing keys, fetched from its JWKS endpoint.

    - One fetch at a time. A token whose key is cached and fresh never waits on a
      fetch; a token that needs the fetch (unknown `kid`, keys expired or never
      fetched) waits for the one in flight, at most `jwks_timeout_seconds`: blocking
      in `key_for`, or told when it is over by the fetch `key_or_fetch` hands back
      (so that a caller on an event loop waits without a thread).
    - After every fetch, failed or not, the next waits `jwks_refetch_cooldown_seconds`:
      tokens with unknown `kid`s, or a provider answering 500, cannot make us call it
      more often. Within the cooldown an unknown `kid` is refused without a fetch.
    - The key set is trusted for `jwks_cache_seconds` after a successful fetch and
      refreshed in the background from 3/4 of that, so it expires only when no
      refresh has worked (then tokens wait for one fetch, or get 503).
    - No lock is held while fetching; the lock guards only the few fields below.
    - Unreachable endpoint, or no usable keys: AuthenticationUnavailableError (503);
      a `kid` the fresh key set lacks: InvalidTokenError("unknown_key") (401).
    - A token without a printable `kid` of at most 256 characters is refused
      without a fetch.
    """

    def __init__(
        self,
        config: JwtConfig,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if config.jwks_url is None:
            raise ValueError("JwksKeys needs JWT_JWKS_URL")
        self._fetch = partial(
            fetch_signing_keys, config.jwks_url, config.jwks_timeout_seconds, config.algorithms
        )
        self._now = monotonic
        self._lifetime = config.jwks_cache_seconds
        self._cooldown = config.jwks_refetch_cooldown_seconds
        self._wait_seconds = config.jwks_timeout_seconds
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._fresh_until = -float("inf")
        self._refresh_from = -float("inf")
        self._next_fetch_from = -float("inf")
        self._last_fetch_failed = False
        self._in_flight: _Fetch | None = None

    def key_for(self, header: dict[str, Any]) -> PyJWK:
        """The key a token's header names, waiting in this thread for a fetch it needs."""
        found = self._key_or_fetch(header)
        if not isinstance(found, _Fetch):
            return found
        if not found.wait():
            raise AuthenticationUnavailableError
        return self.key_at_hand(header)

    def key_or_fetch(self, header: dict[str, Any]) -> PyJWK | KeyFetch:
        """The key a token's header names, or the fetch to wait for first; never waits.

        Once that fetch is over, `key_at_hand` has the answer.
        """
        return self._key_or_fetch(header)

    def _key_or_fetch(self, header: dict[str, Any]) -> PyJWK | _Fetch:
        kid = _kid(header)
        with self._lock:
            key = self._fresh_key(kid, refresh=True)
            if key is not None:
                return key
            pending = self._in_flight or self._start_fetch()
        if pending is not None:
            return pending
        raise self._miss()

    def key_at_hand(self, header: dict[str, Any]) -> PyJWK:
        """The key a token's header names if it is cached and fresh; never fetches."""
        kid = _kid(header)
        with self._lock:
            key = self._fresh_key(kid, refresh=False)
        if key is not None:
            return key
        raise self._miss()

    def _fresh_key(self, kid: str, *, refresh: bool) -> PyJWK | None:
        now = self._now()
        if now >= self._fresh_until:
            return None
        if refresh and now >= self._refresh_from and self._in_flight is None:
            self._start_fetch()
        return self._keys.get(kid)

    def _start_fetch(self) -> _Fetch | None:
        """A fetch in a thread of its own, unless one is running or the cooldown lasts."""
        if self._in_flight is not None or self._now() < self._next_fetch_from:
            return self._in_flight
        fetch = _Fetch(self._wait_seconds)
        self._in_flight = fetch
        threading.Thread(target=self._fetch_then_signal, args=(fetch,), daemon=True).start()
        return fetch

    def _fetch_then_signal(self, fetch: _Fetch) -> None:
        keys: dict[str, PyJWK] | None = None
        try:
            with suppress(KeySetUnavailableError):
                keys = self._fetch()
        finally:
            # Whatever happened, this fetch is over: one left in flight would wedge the keys.
            self._record(keys)
            fetch.end()

    def _record(self, keys: dict[str, PyJWK] | None) -> None:
        with self._lock:
            now = self._now()
            self._next_fetch_from = now + self._cooldown
            self._last_fetch_failed = keys is None
            if keys is not None:
                self._keys = keys
                self._fresh_until = now + self._lifetime
                self._refresh_from = now + self._lifetime * REFRESH_AFTER_SHARE
            self._in_flight = None

    def _miss(self) -> Exception:
        with self._lock:
            usable = self._now() < self._fresh_until and not self._last_fetch_failed
        return InvalidTokenError("unknown_key") if usable else AuthenticationUnavailableError()


def _kid(header: dict[str, Any]) -> str:
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH or not kid.isprintable():
        raise InvalidTokenError("malformed")
    return kid
