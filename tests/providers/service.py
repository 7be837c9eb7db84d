"""`todo serve` trusting an identity provider's JWKS, and what a user of it does first."""

import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.provider_table import filled_in, provider_rows
from tests.sql_fixtures import sqlite_url
from tests.support.live_service import (
    ServiceProcess,
    free_port,
    running_service,
    service_environment,
)

REQUEST_TIMEOUT_SECONDS = 30
# The rows of the README's "Identity providers" table these providers are proven for.
BETTER_AUTH_ROW = "Better Auth (JWT plugin)"
NEON_AUTH_ROW = "Neon Auth"
OIDC_PROVIDER_ROW = "node `oidc-provider` (JWT access tokens)"
# JWT_JWKS_REFETCH_COOLDOWN_SECONDS for the tests that wait for the service to fetch the
# keys again (the README: a key rotated in is found within it). Its default, 30 s,
# behaves the same, only slower.
REFETCH_COOLDOWN_SECONDS = 2
QUICK_REFETCH = {"JWT_JWKS_REFETCH_COOLDOWN_SECONDS": str(REFETCH_COOLDOWN_SECONDS)}
# Added to the cooldown while waiting for it: a busy two-core machine may answer late.
MARGIN_SECONDS = 15


@dataclass(frozen=True)
class TrustingService:
    """A live service and the port of its metrics, which tell why it refused a token."""

    process: ServiceProcess
    metrics_port: int

    def get(self, path: str, token: str) -> httpx.Response:
        return httpx.get(
            self.process.base_url + path, headers=bearer(token), timeout=REQUEST_TIMEOUT_SECONDS
        )

    def refusals(self) -> dict[str, float]:
        """todo_http_token_refusals_total by reason, so far."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text
        return {
            sample.labels["reason"]: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "todo_http_token_refusals_total"
        }


@contextmanager
def trusting_service(sqlite_template: Path, folder: Path, **jwt: str) -> Iterator[TrustingService]:
    """A service on a fresh SQLite copy whose JWT_* settings are `jwt`, not a shared secret."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, folder / "todo.db")
    metrics_port = free_port()
    env = service_environment(sqlite_url(folder / "todo.db"), METRICS_PORT=str(metrics_port), **jwt)
    del env["JWT_SECRET"]
    with running_service(env, folder) as process:
        yield TrustingService(process, metrics_port)


def readme_settings(row: str, values: dict[str, str]) -> dict[str, str]:
    """The settings of the README's row for a provider, its `<placeholders>` from `values`."""
    return filled_in(provider_rows()[row], values)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def first_steps(service: TrustingService, token: str) -> dict[str, Any]:
    """Who the service says the token's holder is, after they made a todo and listed it."""
    base_url = service.process.base_url
    with httpx.Client(
        base_url=base_url, headers=bearer(token), timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        me = client.get("/api/users/me")
        assert me.status_code == 200, f"{me.status_code} {me.text}\n{service.process.log()}"
        title = f"first todo {secrets.token_hex(4)}"
        created = client.post("/api/todos", json={"title": title})
        assert created.status_code == 201, created.text
        listed = client.get("/api/todos")
        assert listed.status_code == 200, listed.text
        assert created.json()["id"] in [todo["id"] for todo in listed.json()["items"]]
        assert title in [todo["title"] for todo in listed.json()["items"]]
    user: dict[str, Any] = me.json()
    return user


def statuses_until(service: TrustingService, token: str, wanted: int) -> list[int]:
    """What /api/users/me answered `token`, asked twice a second until `wanted` came.

    Asked for no longer than the refetch cooldown (and a margin): an answer that
    depends on the service fetching the keys again comes within it, or never.
    """
    statuses: list[int] = []
    deadline = time.monotonic() + REFETCH_COOLDOWN_SECONDS + MARGIN_SECONDS
    while time.monotonic() < deadline:
        statuses.append(service.get("/api/users/me", token).status_code)
        if statuses[-1] == wanted:
            break
        time.sleep(0.5)
    return statuses
