from collections.abc import Callable
from functools import partial
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application import VerifiedClaims
from application.use_cases import Authenticate
from domain import User, UserId
from entrypoints.container import Container
from entrypoints.http.errors import MissingCredentialsError
from entrypoints.storage import Storage
from entrypoints.worker_threads import in_worker_thread

P = ParamSpec("P")
T = TypeVar("T")

# auto_error=False: a wrong scheme must get our problem+json 401, not FastAPI's body.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="`Authorization: Bearer <JWT>`; the token's `sub` names the user.",
)


class Caller:
    """The bearer of a request's token: the only way a route reaches a use case as a user.

    The user is looked up and the use case run in one call into the storage
    (`Storage.call`: a greenlet on the event loop for PostgreSQL, a worker thread
    otherwise), so no route can act for an unauthenticated user and a request
    costs no more than one hand-over. Checking the token needs no hand-over unless
    it may wait on the identity provider's keys (a JWKS fetch): then a worker thread.
    """

    def __init__(self, token: str, authenticate: Authenticate, storage: Storage) -> None:
        self._token = token
        self._authenticate = authenticate
        self._storage = storage

    async def user(self) -> User:
        """The active user behind the token: InvalidTokenError, UserDeactivatedError."""
        return await self._storage.call(partial(self._authenticate.user, await self._claims()))

    async def act(
        self, use_case: Callable[Concatenate[UserId, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`use_case(user.id, *args, **kwargs)` for the authenticated user."""
        claims = await self._claims()

        def as_the_user() -> T:
            return use_case(self._authenticate.user(claims).id, *args, **kwargs)

        return await self._storage.call(as_the_user)

    async def _claims(self) -> VerifiedClaims:
        claims = self._authenticate.claims_without_waiting(self._token)
        if claims is None:
            claims = await in_worker_thread(partial(self._authenticate.claims, self._token))
        return claims


async def bearer_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Caller:
    """The caller behind the bearer token; 401 at once, on the event loop, without one."""
    if credentials is None:
        raise MissingCredentialsError
    container: Container = request.app.state.container
    return Caller(credentials.credentials, container.authenticate(), container.storage())


AuthenticatedCaller = Annotated[Caller, Depends(bearer_caller)]
