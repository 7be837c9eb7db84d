from fastapi import APIRouter

from entrypoints.http.auth import AuthenticatedUser
from entrypoints.http.errors import documented
from entrypoints.http.examples import USER_EXAMPLE, answers
from entrypoints.http.schemas import UserOut

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get(
    "/me",
    summary="Who am I",
    description=(
        "The caller's user record. A user is recorded on first sight of their token "
        "(just in time), with `email` and `name` from its claims when present; a "
        "deactivated user gets 403."
    ),
    responses={**answers(200, USER_EXAMPLE), **documented(401, 403, 503)},
)
def current_user(user: AuthenticatedUser) -> UserOut:
    return UserOut.of(user)
