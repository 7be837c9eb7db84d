import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.use_cases import Authenticate
from domain import User, UserId
from entrypoints.container import Container
from entrypoints.http.errors import MissingCredentialsError
from entrypoints.http.provided import provided

P = ParamSpec("P")
T = TypeVar("T")

# The threads that run use cases, which block (database, key fetches). As many as
# AnyIO's default limiter gives FastAPI; handing work to a plain executor costs a
# third of the CPU of AnyIO's `to_thread` (measured in docs/performance.md).
WORKER_THREADS = 40
_use_case_threads = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="use-case")


async def in_worker_thread(function: Callable[[], T]) -> T:
    """`function()` in a worker thread, leaving the event loop free meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_use_case_threads, function)


# auto_error=False: a wrong scheme must get our problem+json 401, not FastAPI's body.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="`Authorization: Bearer <JWT>`; the token's `sub` names the user.",
)


class Caller:
    """The bearer of a request's token: the only way a route reaches a use case as a user.

    The token is verified and the user looked up inside the same worker-thread hop
    as the use case (both may block: a key fetch, a database read), so a request
    costs one hop, and no route can call a use case for an unauthenticated user.
    """

    def __init__(self, token: str, authenticate: Authenticate) -> None:
        self._token = token
        self._authenticate = authenticate

    async def user(self) -> User:
        """The active user behind the token: InvalidTokenError, UserDeactivatedError."""
        return await in_worker_thread(partial(self._authenticate, self._token))

    async def act(
        self, use_case: Callable[Concatenate[UserId, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`use_case(user.id, *args, **kwargs)` for the authenticated user, off the event loop."""

        def authenticated_call() -> T:
            return use_case(self._authenticate(self._token).id, *args, **kwargs)

        return await in_worker_thread(authenticated_call)


async def bearer_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    authenticate: Annotated[Authenticate, provided(Container.authenticate)],
) -> Caller:
    """The caller behind the bearer token; 401 at once, on the event loop, without one."""
    if credentials is None:
        raise MissingCredentialsError
    return Caller(credentials.credentials, authenticate)


AuthenticatedCaller = Annotated[Caller, Depends(bearer_caller)]
