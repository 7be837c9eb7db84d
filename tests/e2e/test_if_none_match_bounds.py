"""If-None-Match is bounded: at most 100 ETags in 8192 characters, refused before parsing."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from todo_service.entrypoints.http import parameters
from todo_service.entrypoints.http.parameters import (
    IF_NONE_MATCH_DOCUMENTED,
    MAX_IF_NONE_MATCH_LENGTH,
    MAX_IF_NONE_MATCH_TAGS,
)
from todo_service.entrypoints.storage import MemoryStorage, Storage

Create = Callable[..., dict[str, Any]]
LIST = "/api/todos"
DIGEST = '"0123456789abcdef0123456789abcdef"'


@pytest.fixture
def storage() -> Storage:
    # What is compared is the answer, never a row: one backend says as much as four.
    return MemoryStorage()


def tags(count: int, last: str = DIGEST) -> str:
    """`count` weak digests, the last of them `last`: what a caching client may send."""
    return ", ".join([f"W/{DIGEST}"] * (count - 1) + [last])


def _refused_for_its_size(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [issue["loc"] for issue in errors] == [["header", "if-none-match"]]
    assert errors[0]["type"] in {"string_too_long", "too_long"}


@pytest.mark.parametrize("path", ["", "/{id}"])
def test_a_full_list_of_etags_naming_the_current_one_is_still_304(
    client: TestClient, alice: Headers, create: Create, path: str
) -> None:
    url = LIST + path.format(id=create()["id"])
    etag = client.get(url, headers=alice).headers["etag"]
    listed = tags(MAX_IF_NONE_MATCH_TAGS, last=etag)
    assert len(listed) <= MAX_IF_NONE_MATCH_LENGTH

    response = client.get(url, headers={**alice, "If-None-Match": listed})

    assert response.status_code == 304, response.text
    assert response.headers["etag"] == etag


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(tags(MAX_IF_NONE_MATCH_TAGS + 1), id="one ETag too many"),
        pytest.param('"1",' * (MAX_IF_NONE_MATCH_TAGS * 10) + '"1"', id="a thousand short ETags"),
        pytest.param(" " * MAX_IF_NONE_MATCH_LENGTH + '"1"', id="one character too long"),
        pytest.param(tags(120_000), id="4 MB of ETags"),
    ],
)
@pytest.mark.parametrize("path", ["", "/{id}"])
def test_an_if_none_match_past_its_bounds_is_422_naming_the_header(
    client: TestClient, alice: Headers, create: Create, value: str, path: str
) -> None:
    url = LIST + path.format(id=create()["id"])
    response = client.get(url, headers={**alice, "If-None-Match": value})
    _refused_for_its_size(response)


def test_an_oversized_if_none_match_is_refused_without_being_parsed(
    client: TestClient, alice: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Untouchable:
        def match(self, *_: object) -> None:
            raise AssertionError("an oversized If-None-Match reached the parser")

    monkeypatch.setattr(parameters, "_LISTED_TAG", Untouchable())
    for value in (tags(MAX_IF_NONE_MATCH_TAGS + 1), "W/" * 2_000_000):
        _refused_for_its_size(client.get(LIST, headers={**alice, "If-None-Match": value}))


DOCUMENTED_SCHEMA = IF_NONE_MATCH_DOCUMENTED["parameters"][0]["schema"]["anyOf"][0]


def documented_as_valid(value: str) -> bool:
    return len(value) <= DOCUMENTED_SCHEMA["maxLength"] and bool(
        re.search(DOCUMENTED_SCHEMA["pattern"], value)
    )


@pytest.mark.parametrize(
    "value",
    [
        '"1"',
        'W/"1", "2"',
        "*",
        ' "a,b" , W/"1" ',
        tags(MAX_IF_NONE_MATCH_TAGS),
        tags(MAX_IF_NONE_MATCH_TAGS + 1),
        ", ".join(['"1"'] * MAX_IF_NONE_MATCH_TAGS),
        " " * (MAX_IF_NONE_MATCH_LENGTH - 3) + '"1"',
        " " * (MAX_IF_NONE_MATCH_LENGTH - 2) + '"1"',
        '"1",',
        '* , "1"',
        "",
    ],
)
def test_the_documented_parameter_accepts_what_the_service_accepts(
    client: TestClient, alice: Headers, value: str
) -> None:
    status = client.get(LIST, headers={**alice, "If-None-Match": value}).status_code
    assert status in {200, 304, 422}
    assert (status != 422) == documented_as_valid(value)
