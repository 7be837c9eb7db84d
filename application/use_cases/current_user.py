import hashlib
from collections.abc import Callable
from datetime import timedelta

from todo_service.application.errors import InvalidTokenError
from todo_service.application.expiring_cache import ExpiringCache
from todo_service.application.ports import (
    Clock,
    KeyFetch,
    TokenVerifier,
    UnitOfWorkFactory,
    VerifiedClaims,
)
from todo_service.domain import InvalidValueError, User, UserId


class CurrentUser:
    """The user behind verified claims.

    - A user is recorded on first sight (just in time), with email and name from
      the claims when present and valid; claims that break the profile rules are
      left out rather than refusing the user.
    - A deactivated user is refused (UserDeactivatedError).
    """

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def __call__(self, claims: VerifiedClaims) -> User:
        user_id = UserId(claims.subject)
        with self._unit_of_work() as uow:
            user = uow.users.get(user_id)
            if user is None:
                user = uow.users.add_if_absent(self._first_sight(user_id, claims))
                uow.commit()
        user.require_active()
        return user

    def _first_sight(self, user_id: UserId, claims: VerifiedClaims) -> User:
        now = self._clock.now()
        try:
            return User(user_id, email=claims.email, name=claims.name, created_at=now)
        except InvalidValueError:
            return User(user_id, email=None, name=None, created_at=now)


class CachedCurrentUser:
    """CurrentUser, remembering each user it returned for `ttl` (per process).

    - Saves the user lookup on every request; a user deactivated elsewhere (another
      worker, the CLI) is refused at most `ttl` after the change.
    - Only what CurrentUser returned is remembered: a refusal is asked again next time.
    - At most `max_entries` users are remembered; when full, the cache starts over.
    """

    def __init__(
        self,
        current_user: Callable[[VerifiedClaims], User],
        clock: Clock,
        ttl: timedelta,
        max_entries: int = 10_000,
    ) -> None:
        self._current_user = current_user
        self._clock = clock
        self._ttl = ttl
        self._users: ExpiringCache[str, User] = ExpiringCache(max_entries)

    def __call__(self, claims: VerifiedClaims) -> User:
        user = self.remembered(claims)
        if user is None:
            user = self._current_user(claims)
            self._users.put(claims.subject, user, self._clock.now() + self._ttl)
        return user

    def remembered(self, claims: VerifiedClaims) -> User | None:
        """The user returned for these claims lately, without asking the database."""
        return self._users.get(claims.subject, self._clock.now())


class CachedTokenVerifier(TokenVerifier):
    """A TokenVerifier remembering each token it accepted: for `ttl`, never past its `exp`.

    - A client sends the same token for minutes, and checking a signature costs more
      than the rest of an authenticated read; a remembered token costs a lookup.
    - A refusal is never remembered: a bad token is checked, and refused, every time.
    - A signing key the identity provider withdraws stops vouching for tokens it
      signed at most `ttl` later (the same bound as a deactivated user's).
    - At most `max_entries` tokens are remembered; when full, the cache starts over.
    """

    def __init__(
        self, verifier: TokenVerifier, clock: Clock, ttl: timedelta, max_entries: int = 10_000
    ) -> None:
        self._verifier = verifier
        self._clock = clock
        self._ttl = ttl
        # Keyed by a digest: live credentials of up to 8 KiB need not sit in memory.
        self._claims: ExpiringCache[bytes, VerifiedClaims] = ExpiringCache(max_entries)

    def remembered(self, token: str) -> VerifiedClaims | None:
        """The claims of a token accepted lately, without verifying anything."""
        return self._claims.get(token_digest(token), self._clock.now())

    def verify(self, token: str) -> VerifiedClaims:
        claims = self.remembered(token)
        if claims is None:
            claims = self._remember(token, self._verifier.verify(token))
        return claims

    def verify_or_fetch(self, token: str) -> VerifiedClaims | KeyFetch:
        claims = self.remembered(token)
        if claims is not None:
            return claims
        found = self._verifier.verify_or_fetch(token)
        return self._remember(token, found) if isinstance(found, VerifiedClaims) else found

    def verify_with_keys_at_hand(self, token: str) -> VerifiedClaims:
        claims = self.remembered(token)
        if claims is None:
            claims = self._remember(token, self._verifier.verify_with_keys_at_hand(token))
        return claims

    def _remember(self, token: str, claims: VerifiedClaims) -> VerifiedClaims:
        now = self._clock.now()
        until = now + self._ttl
        if claims.expires_at is not None:
            until = min(until, claims.expires_at)
        if until > now:
            self._claims.put(token_digest(token), claims, until)
        return claims


def token_digest(token: str) -> bytes:
    """What stands for a token wherever one is remembered: live credentials of up to 8 KiB
    need not sit in memory."""
    return hashlib.sha256(token.encode()).digest()


class Authenticate:
    """The active user a bearer token speaks for; any doubt about the token is InvalidTokenError.

    In steps for callers on an event loop, where a thread must not wait: `claims_or_fetch`
    never waits for the identity provider's keys, handing back the fetch to wait for
    instead, after which `claims_with_keys_at_hand` answers; `user_without_waiting`
    answers None where `user` would wait on the database.
    """

    def __init__(self, tokens: CachedTokenVerifier, current_user: CachedCurrentUser) -> None:
        self._tokens = tokens
        self._current_user = current_user

    def __call__(self, token: str) -> User:
        return self.user(self.claims(token))

    def claims(self, token: str) -> VerifiedClaims:
        return self._checked(self._tokens.verify(token))

    def claims_or_fetch(self, token: str) -> VerifiedClaims | KeyFetch:
        """The token's claims, or the key fetch they wait for; never waits. Refusals raise."""
        found = self._tokens.verify_or_fetch(token)
        return self._checked(found) if isinstance(found, VerifiedClaims) else found

    def claims_with_keys_at_hand(self, token: str) -> VerifiedClaims:
        """The token's claims from the keys at hand (a fetch is over); refusals raise."""
        return self._checked(self._tokens.verify_with_keys_at_hand(token))

    def user(self, claims: VerifiedClaims) -> User:
        return self._current_user(claims)

    def user_without_waiting(self, claims: VerifiedClaims) -> User | None:
        """The user when remembered (an active one, checked lately), else None."""
        return self._current_user.remembered(claims)

    @staticmethod
    def _checked(claims: VerifiedClaims) -> VerifiedClaims:
        try:
            UserId(claims.subject)
        except InvalidValueError:
            # A subject that cannot name a user (too long, control characters) is a bad token.
            raise InvalidTokenError("bad_claims") from None
        return claims
