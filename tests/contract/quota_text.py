"""The user's text of a todo, read from the shapes' type annotations, and filled generically.

The quota tests walk these rather than name title and description, so that the next
field of user text is counted by them (or makes them fail) without anyone remembering it.
"""

import types
import typing
from collections.abc import Collection
from typing import Any

from tests.shapes import field_types
from todo_service.domain.quota import QUOTA_TEXT_FIELDS

# Characters of 2, 3 and 4 bytes in UTF-8: a count of characters, not bytes, is caught.
MULTI_BYTE = "é€🙂"


def _optional_member(annotation: object) -> object:
    """`X` of `X | None` (or of `X | Unset | None`); the annotation itself otherwise."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [
            arg
            for arg in typing.get_args(annotation)
            if arg is not type(None) and getattr(arg, "__name__", "") != "Unset"
        ]
        if len(members) == 1:
            return members[0]
    return annotation


def _is_collection_of_str(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    if not (isinstance(origin, type) and issubclass(origin, Collection)):
        return False
    items = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
    return items == [str]


def holds_user_text(annotation: object) -> bool:
    """Whether a field of this type holds a user's text: `str`, `str | None`, or a
    collection of `str`. Exactly `str`: an enumeration such as Priority (a StrEnum) is a
    choice among the service's words, not text the user stores."""
    member = _optional_member(annotation)
    return member is str or _is_collection_of_str(member)


def user_text_fields(cls: type) -> list[str]:
    """The fields of `cls` that hold a user's text, in declaration order."""
    return [name for name, annotation in field_types(cls).items() if holds_user_text(annotation)]


def text_of(cls: type, name: str, text: str) -> Any:
    """A valid value of field `name` of `cls` made of `text`: the text itself, or for a
    collection two items of it (each distinct, so a set keeps both)."""
    member = _optional_member(field_types(cls)[name])
    if member is str:
        return text
    assert _is_collection_of_str(member), (cls, name, member)
    origin = typing.get_origin(member)
    items = [text, text + "+"]
    return origin(items) if origin in (tuple, list, set, frozenset) else tuple(items)


def quota_texts(cls: type, repeat: int = 1, mark: str = "") -> dict[str, Any]:
    """Every field of `cls` that holds user text (those QUOTA_TEXT_FIELDS must name,
    read from the annotations rather than from the tuple, so that a field left out of it
    is filled all the same) filled with multi-byte text, each field its own (`mark` and
    the field's name tell them apart); `repeat` scales the length."""
    names = dict.fromkeys([*user_text_fields(cls), *QUOTA_TEXT_FIELDS])
    return {name: text_of(cls, name, f"{MULTI_BYTE * repeat} {name}{mark}") for name in names}


def utf8_bytes(value: object) -> int:
    """The UTF-8 bytes of a text field's value, counted apart from the domain's own code."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    assert isinstance(value, Collection)
    return sum(utf8_bytes(item) for item in value)
