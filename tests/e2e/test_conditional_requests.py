"""If-None-Match on a todo and on the list: 304 with the ETag and no body when it matches."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from tests.factories import FixedClock
from todo_service.entrypoints.storage import MemoryStorage, Storage

Create = Callable[..., dict[str, Any]]
LIST = "/api/todos"


@pytest.fixture
def storage() -> Storage:
    # What is compared is the answer, never a row: one backend says as much as four.
    return MemoryStorage()


def _etag(client: TestClient, url: str, headers: Headers, **params: Any) -> str:
    response = client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    etag: str = response.headers["etag"]
    return etag


def _assert_not_modified(response: Any, etag: str) -> None:
    assert response.status_code == 304, response.text
    assert response.headers["etag"] == etag
    assert response.content == b""
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    "if_none_match", ['"1"', 'W/"1"', "*", ' "1" ', '"7", "1"', 'W/"9",W/"1"', '"a,b", "1"']
)
def test_a_todo_whose_etag_if_none_match_names_is_304_with_the_etag_and_no_body(
    client: TestClient, alice: Headers, create: Create, if_none_match: str
) -> None:
    url = f"{LIST}/{create()['id']}"
    response = client.get(url, headers={**alice, "If-None-Match": if_none_match})
    _assert_not_modified(response, '"1"')


def test_a_304_tells_caches_what_the_200_it_stands_for_told_them(
    client: TestClient, alice: Headers, create: Create
) -> None:
    url = f"{LIST}/{create()['id']}"
    for target in (url, LIST):
        full = client.get(target, headers=alice)
        bare = client.get(target, headers={**alice, "If-None-Match": full.headers["etag"]})
        assert bare.status_code == 304
        for name in ("etag", "cache-control", "vary"):
            assert bare.headers[name] == full.headers[name], name


@pytest.mark.parametrize("if_none_match", ['"2"', 'W/"12"', '"01"', '"7", "11"', '""'])
def test_a_todo_whose_etag_if_none_match_does_not_name_is_200_with_its_body(
    client: TestClient, alice: Headers, create: Create, if_none_match: str
) -> None:
    todo = create()
    url = f"{LIST}/{todo['id']}"
    response = client.get(url, headers={**alice, "If-None-Match": if_none_match})
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == todo


def test_a_changed_todo_is_200_again_with_its_new_etag(
    client: TestClient, alice: Headers, create: Create
) -> None:
    url = f"{LIST}/{create()['id']}"
    etag = _etag(client, url, alice)
    client.post(f"{url}/toggle-complete", headers=alice)
    response = client.get(url, headers={**alice, "If-None-Match": etag})
    assert (response.status_code, response.headers["etag"]) == (200, '"2"')
    assert response.json()["completed"] is True


@pytest.mark.parametrize("if_none_match", ["*", '"1"'])
def test_another_users_todo_is_404_whatever_if_none_match_says(
    client: TestClient, bob: Headers, create: Create, if_none_match: str
) -> None:
    bob = {**bob, "X-Request-ID": "same-for-both", "If-None-Match": if_none_match}
    foreign = client.get(f"{LIST}/{create()['id']}", headers=bob)
    missing = client.get(f"{LIST}/{uuid.uuid4()}", headers=bob)
    assert foreign.status_code == missing.status_code == 404
    assert (foreign.content, dict(foreign.headers)) == (missing.content, dict(missing.headers))


@pytest.mark.parametrize("url", [LIST, f"{LIST}/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"])
def test_if_none_match_without_a_token_is_still_401(client: TestClient, url: str) -> None:
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 401


@pytest.mark.parametrize("if_none_match", ["1", '"1', "W/1", '"a"b"', '"1",', '* , "1"', ""])
@pytest.mark.parametrize("path", ["", "/{id}"])
def test_a_malformed_if_none_match_is_422(
    client: TestClient, alice: Headers, create: Create, if_none_match: str, path: str
) -> None:
    url = LIST + path.format(id=create()["id"])
    response = client.get(url, headers={**alice, "If-None-Match": if_none_match})
    assert response.status_code == 422, response.text
    assert ["header", "if-none-match"] in [issue["loc"] for issue in response.json()["errors"]]


def test_the_list_has_an_etag_of_its_own_that_if_none_match_turns_into_a_304(
    client: TestClient, alice: Headers, create: Create
) -> None:
    create()
    etag = _etag(client, LIST, alice, completed="false")
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    for if_none_match in (etag, f"W/{etag}", "*", f'"0", {etag}'):
        response = client.get(
            LIST, params={"completed": "false"}, headers={**alice, "If-None-Match": if_none_match}
        )
        _assert_not_modified(response, etag)


def test_the_lists_etag_stays_while_nothing_on_it_changes(
    client: TestClient, alice: Headers, bob: Headers, create: Create
) -> None:
    create()
    etag = _etag(client, LIST, alice)
    create(headers=bob)
    client.get(f"{LIST}/{create(headers=bob)['id']}", headers=bob)
    assert _etag(client, LIST, alice) == etag


def test_the_lists_etag_changes_when_a_todo_on_the_page_changes(
    client: TestClient, alice: Headers, create: Create
) -> None:
    todo = create()
    etag = _etag(client, LIST, alice)
    client.patch(f"{LIST}/{todo['id']}", json={"priority": "high"}, headers=alice)
    response = client.get(LIST, headers={**alice, "If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag


def test_the_lists_etag_changes_with_total_and_next_cursor_when_the_page_does_not(
    client: TestClient, alice: Headers, create: Create, clock: FixedClock
) -> None:
    first = create(title="first")
    page: dict[str, str | int] = {"sort": "created_at:asc", "limit": 1}
    alone = _etag(client, LIST, alice, **page)
    clock.advance(60)
    second = create(title="second")
    with_next = client.get(LIST, params=page, headers={**alice, "If-None-Match": alone})
    assert with_next.status_code == 200
    assert [item["id"] for item in with_next.json()["items"]] == [first["id"]]
    assert (with_next.json()["total"], with_next.json()["next_cursor"] is not None) == (2, True)
    assert with_next.headers["etag"] != alone
    client.delete(f"{LIST}/{second['id']}", headers=alice)
    assert _etag(client, LIST, alice, **page) == alone


def test_each_page_and_each_query_has_its_own_etag(
    client: TestClient, alice: Headers, create: Create, clock: FixedClock
) -> None:
    for title in ("a", "b", "c"):
        clock.advance(60)
        create(title=title)
    first = client.get(LIST, params={"limit": 2}, headers=alice).json()
    etags = {
        _etag(client, LIST, alice, limit=2),
        _etag(client, LIST, alice, limit=2, cursor=first["next_cursor"]),
        _etag(client, LIST, alice, limit=2, offset=2),
        _etag(client, LIST, alice, q="a"),
    }
    assert len(etags) == 4
