from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock

from application.errors import InvalidTokenError
from application.ports import Clock, TokenVerifier, UnitOfWorkFactory, VerifiedClaims
from domain import InvalidValueError, User, UserId


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
        self, current_user: CurrentUser, clock: Clock, ttl: timedelta, max_entries: int = 10_000
    ) -> None:
        self._current_user = current_user
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._users: dict[str, tuple[User, datetime]] = {}
        self._lock = Lock()

    def __call__(self, claims: VerifiedClaims) -> User:
        now = self._clock.now()
        cached = self._users.get(claims.subject)
        if cached is not None and now < cached[1]:
            return cached[0]
        user = self._current_user(claims)
        with self._lock:
            if len(self._users) >= self._max_entries:
                self._users.clear()
            self._users[claims.subject] = (user, now + self._ttl)
        return user


class Authenticate:
    """The active user a bearer token speaks for; any doubt about the token is InvalidTokenError."""

    def __init__(
        self, tokens: TokenVerifier, current_user: Callable[[VerifiedClaims], User]
    ) -> None:
        self._tokens = tokens
        self._current_user = current_user

    def __call__(self, token: str) -> User:
        claims = self._tokens.verify(token)
        try:
            UserId(claims.subject)
        except InvalidValueError:
            # A subject that cannot name a user (too long, control characters) is a bad token.
            raise InvalidTokenError from None
        return self._current_user(claims)
