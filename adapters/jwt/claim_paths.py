import re
from dataclasses import dataclass
from typing import Any

MAX_PATH_LENGTH = 256
MAX_PATH_NAMES = 8
# A name is either plain (no dots or brackets) or [bracketed] and then taken literally,
# so that namespaced claims such as Auth0's `https://example.com/email` can be named.
_NAME = r"\[[^\[\]]+\]|[^.\[\]]+"
_PATH = re.compile(rf"(?:{_NAME})(?:\.(?:{_NAME}))*")
_NAMES = re.compile(_NAME)


@dataclass(frozen=True, slots=True)
class ClaimPath:
    """Where a value sits in a token's claims: names from the top level down.

    Written `name.inner.innermost`; a name containing dots or slashes is written in
    brackets, `[https://example.com/email]`, and may be followed by more names
    (`[https://example.com/user].name`).
    """

    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, setting: str) -> "ClaimPath":
        if not 0 < len(text) <= MAX_PATH_LENGTH or not text.isprintable():
            raise ValueError(f"{setting} must be 1-{MAX_PATH_LENGTH} printable characters")
        if _PATH.fullmatch(text) is None:
            raise ValueError(
                f"{setting} must be claim names joined by dots, a name with dots or slashes "
                "in brackets (e.g. user_metadata.full_name or [https://example.com/email])"
            )
        names = tuple(name.removeprefix("[").removesuffix("]") for name in _NAMES.findall(text))
        if len(names) > MAX_PATH_NAMES:
            raise ValueError(f"{setting} must be at most {MAX_PATH_NAMES} names deep")
        return cls(names)

    def find(self, claims: dict[str, Any]) -> object:
        """The value at this path, or None where any step is missing or not an object."""
        value: object = claims
        for name in self.names:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value
