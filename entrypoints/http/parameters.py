from typing import Annotated
from uuid import UUID

from fastapi import Header, Path

from todo_service.entrypoints.http.schemas import TODO_EXAMPLE

TodoIdPath = Annotated[
    UUID,
    Path(description="The todo's id; anything but a UUID is 422.", examples=[TODO_EXAMPLE["id"]]),
]
IfMatch = Annotated[
    str | None,
    Header(
        pattern=r'^\s*(\*|(W/)?"[0-9]{1,18}")\s*$',
        description=(
            'Act only if the todo is at this version: `"<version>"` as in the `ETag`, else 412. '
            '`W/"<version>"` is read the same way (proxies weaken ETags); `*` means any '
            "version. Any other value is 422."
        ),
        examples=['"3"'],
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description=(
            "Makes a retried create safe: the same key with the same body returns the "
            "original todo (201 again); with a different body, 409. Keys are per user and "
            "live 24 hours unless configured. 1-255 visible ASCII characters, e.g. a UUID."
        ),
        examples=["9b0e4c3a-2f51-4d7e-8a61-3c2d1f0e9b7a"],
    ),
]


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` that passed its pattern names; None for none or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    return int(if_match.strip().removeprefix("W/").strip('"'))
