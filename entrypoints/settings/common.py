"""What every concern's settings share: the start-up error, list parsing, error lines."""

from typing import TypeVar

from pydantic import SecretStr, ValidationError

T = TypeVar("T")


class ConfigurationError(Exception):
    """Start-up configuration that is missing or contradictory; the message is one clear line."""


def split_list(value: object, sep: str | None = ",") -> object:
    """A setting's text as a tuple of its non-blank parts; anything else unchanged."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(sep) if part.strip())
    return value


def blank_means_unset(value: T) -> T | None:
    """None for a blank setting (`JWT_ISSUER=`, as a deployment template leaves it), secret
    or not; anything else unchanged."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    return None if isinstance(raw, str) and not raw.strip() else value


def one_line(error: ValidationError, *, as_variables: bool = True) -> str:
    """A pydantic error as one line: each problem as `NAME: message`, joined by `; `.

    Fields are named as environment variables (`DATABASE_URL`), or as the keyword
    arguments of `bootstrap()` (`database_url`) with `as_variables=False`.
    """
    problems = []
    for issue in error.errors():
        name = ".".join(str(part) for part in issue["loc"])
        problems.append(f"{name.upper() if as_variables else name}: {issue['msg']}")
    return "; ".join(problems)
