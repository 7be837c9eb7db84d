from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.use_cases import Authenticate
from domain import User
from entrypoints.container import Container
from entrypoints.http.errors import MissingCredentialsError

# auto_error=False: a wrong scheme must get our problem+json 401, not FastAPI's body.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="`Authorization: Bearer <JWT>`; the token's `sub` names the user.",
)


@inject
def authenticated_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    authenticate: Annotated[Authenticate, Depends(Provide[Container.authenticate])],
) -> User:
    """The active user behind the bearer token: 401 without one or with a bad one, 403 if off."""
    if credentials is None:
        raise MissingCredentialsError
    return authenticate(credentials.credentials)


AuthenticatedUser = Annotated[User, Depends(authenticated_user)]
