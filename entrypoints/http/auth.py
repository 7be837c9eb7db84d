import asyncio
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from todo_service.application import AuthenticationUnavailableError, VerifiedClaims
from todo_service.application.ports import KeyFetch
from todo_service.application.use_cases import Authenticate
from todo_service.domain import User, UserId
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.storage import Storage

P = ParamSpec("P")
T = TypeVar("T")


class MissingCredentialsError(Exception):
    """No `Authorization: Bearer` header: a challenge, not a verdict on a token."""

    def __init__(self) -> None:
        super().__init__("A bearer token is required")


# auto_error=False: a wrong scheme must get our problem+json 401, not FastAPI's body.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="`Authorization: Bearer <JWT>`; the token's `sub` names the user. Here, "
    "paste the token alone, without `Bearer ` (this page adds it). A development token, "
    "signed with the service's `JWT_SECRET`: `.venv/bin/todo mint-token --sub alice` in "
    "the service's folder.",
)


class Caller:
    """The authenticated user of a request: the only way a route reaches a use case as a user.

    Built by `bearer_caller` before FastAPI validates the route's own parameters, so a
    bad token is 401 (a deactivated user 403) whatever else is wrong with the request.
    A use case runs through the storage (`Storage.call`: a greenlet on the event loop
    for PostgreSQL, a worker thread otherwise).
    """

    def __init__(self, user: User, storage: Storage) -> None:
        self.user = user
        self._storage = storage

    async def act(
        self, use_case: Callable[Concatenate[UserId, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`use_case(user.id, *args, **kwargs)` for the authenticated user."""
        return await self._storage.call(partial(use_case, self.user.id, *args, **kwargs))


async def bearer_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Caller:
    """The user behind the bearer token: 401 without one or with a bad one, 403 if off.

    The token is checked on the event loop. One whose keys are being fetched (an
    unknown `kid`, keys expired) waits for the fetch there too, holding no thread: a
    flood of unknown `kid`s during a hanging fetch costs no worker threads, and tokens
    whose key is cached go on meanwhile. The user, unless remembered from the last
    USER_CACHE_SECONDS, is looked up through the storage.
    """
    if credentials is None:
        raise MissingCredentialsError
    container: Container = request.app.state.container
    authenticate, storage, token = (
        container.authenticate(),
        container.storage(),
        credentials.credentials,
    )
    claims = await verified_claims(authenticate, token)
    user = authenticate.user_without_waiting(claims)
    if user is None:
        user = await storage.call(partial(authenticate.user, claims))
    return Caller(user, storage)


AuthenticatedCaller = Annotated[Caller, Depends(bearer_caller)]


async def verified_claims(authenticate: Authenticate, token: str) -> VerifiedClaims:
    """The token's claims, checked on the event loop, where a key fetch is waited for."""
    claims = authenticate.claims_or_fetch(token)
    if isinstance(claims, VerifiedClaims):
        return claims
    await _over(claims)
    return authenticate.claims_with_keys_at_hand(token)


async def _over(fetch: KeyFetch) -> None:
    """Return once `fetch` is over; AuthenticationUnavailableError if it outlasts its wait."""
    loop = asyncio.get_running_loop()
    over = asyncio.Event()

    def tell_the_loop() -> None:
        with suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(over.set)

    fetch.when_over(tell_the_loop)
    try:
        await asyncio.wait_for(over.wait(), fetch.wait_seconds)
    except TimeoutError:
        raise AuthenticationUnavailableError from None
