"""Values for any field of the domain's shapes, so that tests can iterate the fields.

A test that walks `dataclasses.fields(...)` covers the next field without anyone
remembering it; it only needs a valid value, and a different one, for the field's type.
"""

import types
import typing
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from tests.factories import T0

_SAMPLES: dict[type, tuple[Any, Any]] = {
    str: ("one", "another"),
    bool: (False, True),
    int: (1, 2),
    datetime: (T0, T0 + timedelta(days=1)),
}


def two_values(annotation: object) -> tuple[Any, Any]:
    """Two different valid values of a field's type (an optional one: a value and None)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return two_values(members[0])[0], None
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        first, second, *_ = list(annotation)
        return first, second
    if typing.get_origin(annotation) is tuple:
        (item, *_) = typing.get_args(annotation)
        return (two_values(item)[0],), ()
    if annotation in _SAMPLES:
        return _SAMPLES[annotation]
    raise NotImplementedError(f"no sample values for {annotation!r}: add them to tests/shapes.py")


def field_types(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)
