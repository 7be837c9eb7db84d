from fastapi import APIRouter, Response

from todo_service.entrypoints.http.auth import AuthenticatedCaller
from todo_service.entrypoints.http.openapi.examples import USER_EXAMPLE, answers
from todo_service.entrypoints.http.problems.openapi_errors import AUTH_ERRORS, documented
from todo_service.entrypoints.http.responses import json_response
from todo_service.entrypoints.http.schemas import UserOut

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get(
    "/me",
    response_model=UserOut,
    summary="Who am I",
    description=(
        "The caller's user record. A user is recorded on first sight of their token "
        "(just in time), with `email` and `name` from its claims when present; a "
        "deactivated user gets 403."
    ),
    responses={**answers(200, USER_EXAMPLE), **documented(*AUTH_ERRORS)},
)
async def get_current_user(caller: AuthenticatedCaller) -> Response:
    return json_response(UserOut.of(caller.user))
