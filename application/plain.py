from datetime import datetime
from enum import Enum


def plain(value: object) -> object:
    """A field's value as JSON can hold it, the same every time: what fingerprints and
    cursor scopes are computed over. Instants as RFC 3339 (UTC, as the domain keeps them),
    enumerations by value, everything else (text, numbers, booleans, None) as it is."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
