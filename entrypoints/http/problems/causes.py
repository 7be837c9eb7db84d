from todo_service.application import (
    AuthenticationUnavailableError,
    InvalidTokenError,
    StorageUnavailableError,
)
from todo_service.domain import UserDeactivatedError
from todo_service.entrypoints.http.auth import MissingCredentialsError

# The `scope["state"]` key where a 401's, 403's or 503's cause is left for the metrics.
PROBLEM_CAUSE = "problem_cause"


def problem_cause(error: Exception) -> str | None:
    """Why a 401, 403 or 503 is answered, as one of a fixed set of labels; else None.

    Nothing in a label comes from the request: a token's refusal says which check
    failed (`expired`, `bad_signature`...), never what the token held.
    """
    if isinstance(error, InvalidTokenError):
        return error.reason
    if isinstance(error, MissingCredentialsError):
        return "missing"
    if isinstance(error, UserDeactivatedError):
        return "deactivated"
    if isinstance(error, StorageUnavailableError):
        return f"storage_{error.reason}"
    if isinstance(error, AuthenticationUnavailableError):
        return "authentication_unavailable"
    return None
