"""MAX_REQUEST_HEAD_BYTES and MAX_HEADER_BYTES: bounded, and handed to every worker's protocol."""

import pytest

from todo_service.entrypoints.http.serving.server import connection_limits
from todo_service.entrypoints.settings import Settings


def test_the_defaults_leave_room_for_the_longest_bearer_token() -> None:
    settings = Settings()
    # `Authorization: Bearer <8 KiB token>`, as the verifier still accepts it.
    longest = len("authorization") + len("Bearer ") + 8 * 1024
    assert settings.max_header_bytes > longest
    assert settings.max_request_head_bytes >= 4 * settings.max_header_bytes


def test_the_head_limits_reach_the_protocol() -> None:
    settings = Settings(max_request_head_bytes=32_768, max_header_bytes=4096)
    limits = connection_limits(settings, descriptors=None)
    assert (limits.max_request_head_bytes, limits.max_header_bytes) == (32_768, 4096)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_REQUEST_HEAD_BYTES", "8191"),
        ("MAX_REQUEST_HEAD_BYTES", "1048577"),
        ("MAX_HEADER_BYTES", "1023"),
        ("MAX_HEADER_BYTES", "1048577"),
    ],
)
def test_head_limits_out_of_bounds_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.lower()):
        Settings()
