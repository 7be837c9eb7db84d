"""`todo serve` at LOG_LEVEL=debug: one JSON line per request, and never a secret in them."""

import json
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.sql_fixtures import sqlite_url
from tests.support.live_service import ServiceProcess, service_environment, started_service
from todo_service.adapters.jwt import mint_token

JWT_SECRET = f"jwt-secret-{secrets.token_hex(16)}"
CURSOR_SECRET = f"cursor-secret-{secrets.token_hex(16)}"
DATABASE_PASSWORD = f"db-password-{secrets.token_hex(8)}"


def _secret(label: str) -> str:
    return f"{label}-{secrets.token_hex(8)}"


@dataclass
class Server:
    service: ServiceProcess
    # started_service returns on the first /healthz answered: one request already logged.
    requests_sent: int = 1
    never_logged: set[str] = field(default_factory=lambda: {JWT_SECRET, CURSOR_SECRET})

    def client(self) -> httpx2.Client:
        def count(response: httpx2.Response) -> None:
            self.requests_sent += 1

        return httpx2.Client(base_url=self.service.base_url, event_hooks={"response": [count]})

    def stop(self) -> str:
        """Stop the server as an operator would, and return everything it wrote."""
        self.service.stop()
        return self.service.log_path.read_text(encoding="utf-8", errors="replace")


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    path = tmp_path / "todo.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return sqlite_url(path)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    # The server trusts loopback, so the password is never needed, only carried around.
    url: str = request.getfixturevalue("postgres_url")
    return url.replace("://postgres@", f"://postgres:{DATABASE_PASSWORD}@", 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    database_url = {"sqlite": _sqlite, "postgres": _postgres}[request.param](request, tmp_path)
    yield from _serving(database_url, tmp_path, LOG_FORMAT="json")


@pytest.fixture
def readable_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """As a person running `make run` at a terminal sees it (LOG_FORMAT=text)."""
    yield from _serving(_sqlite(request, tmp_path), tmp_path, LOG_FORMAT="text")


def _serving(database_url: str, tmp_path: Path, **settings: str) -> Iterator[Server]:
    environment = service_environment(
        database_url,
        JWT_SECRET=JWT_SECRET,
        CURSOR_SECRET=CURSOR_SECRET,
        LOG_LEVEL="debug",
        **settings,
    )
    sut = Server(started_service(environment, tmp_path))
    sut.never_logged.add(DATABASE_PASSWORD)
    try:
        yield sut
    finally:
        sut.stop()


def _exercise(server: Server) -> None:
    """Requests carrying every kind of secret, each noted as never to be logged."""
    email, title, description = _secret("email") + "@example.com", _secret("t"), _secret("d")
    search, key, cookie, api_key = _secret("q"), _secret("key"), _secret("c"), _secret("api")
    token = mint_token(JWT_SECRET, "alice", email=email, name=_secret("name"))
    forged = mint_token("forged-secret-that-is-32-bytes-long!", "alice")
    garbage = _secret("garbage-token")
    path_secret, query_secret = _secret("p"), _secret("qs")
    server.never_logged |= {email, title, description, search, key, cookie, api_key, garbage}
    server.never_logged |= {token, token.rsplit(".", 1)[1], forged, forged.rsplit(".", 1)[1]}
    server.never_logged |= {path_secret, query_secret}
    auth = {"Authorization": f"Bearer {token}", "Cookie": f"session={cookie}", "X-Api-Key": api_key}

    with server.client() as client:
        assert client.get("/api/users/me", headers=auth).status_code == 200
        body = {"title": title, "description": description}
        created = client.post("/api/todos", json=body, headers={**auth, "Idempotency-Key": key})
        assert created.status_code == 201
        client.post("/api/todos", json={"title": _secret("t2")}, headers=auth)
        listing = client.get("/api/todos", params={"q": "", "limit": 1}, headers=auth).json()
        cursor = listing["next_cursor"]
        server.never_logged.add(cursor)
        client.get("/api/todos", params={"cursor": cursor, "limit": 1}, headers=auth)
        client.get("/api/todos", params={"q": search, "sort": "title:asc"}, headers=auth)
        todo = f"/api/todos/{created.json()['id']}"
        client.patch(todo, json={"description": f"{description}\x00"}, headers=auth)
        client.post("/api/todos", json={"title": title, "user_id": api_key}, headers=auth)
        client.get(f"/api/todos/{path_secret}", headers=auth)
        client.get(f"/api/{path_secret}", headers=auth)
        client.get("/healthz", params={"token": query_secret})
        for bad in (forged, garbage, token + "x"):
            assert client.get("/api/todos", headers={"Authorization": f"Bearer {bad}"}).is_error
        client.delete(todo, headers={**auth, "If-Match": '"1"'})


def _lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for text in output.splitlines():
        line = json.loads(text)
        assert isinstance(line, dict), text
        lines.append(line)
    return lines


def test_at_debug_level_no_secret_is_logged_and_each_request_has_one_json_access_line(
    server: Server,
) -> None:
    _exercise(server)
    output = server.stop()
    leaked = sorted(value for value in server.never_logged if value in output)
    assert leaked == []
    access = [line for line in _lines(output) if line["logger"] == "todo.access"]
    assert len(access) == server.requests_sent
    assert len({line["request_id"] for line in access}) == len(access)
    for line in access:
        assert set(line) >= {"ts", "level", "request_id", "method", "route", "status"}
        assert line["route"] == "unmatched" or line["route"].startswith("/")
        assert "{" in line["route"] or "/api/todos/" not in line["route"]
        assert isinstance(line["duration_ms"], float)
    # Start-up says where the docs are, as a browser on this machine reaches them.
    (serving,) = [line for line in _lines(output) if line["logger"] == "todo.serve"]
    assert serving["message"].endswith(f"interactive docs at {server.service.base_url}/docs")


def test_readable_lines_carry_the_same_fields_and_never_a_secret(readable_server: Server) -> None:
    _exercise(readable_server)
    output = readable_server.stop()
    leaked = sorted(value for value in readable_server.never_logged if value in output)
    assert leaked == []
    access = [line for line in output.splitlines() if " todo.access: " in line]
    assert len(access) == readable_server.requests_sent
    assert all(" request_id=" in line and " status=" in line for line in access)
    assert not any(line.startswith("{") for line in output.splitlines())
