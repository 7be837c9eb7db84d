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


class Authenticate:
    """The active user a bearer token speaks for; any doubt about the token is InvalidTokenError."""

    def __init__(self, tokens: TokenVerifier, current_user: CurrentUser) -> None:
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
