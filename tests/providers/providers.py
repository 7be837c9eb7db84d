"""Real identity providers, run with the machine's Node on 127.0.0.1, for `todo serve` to trust.

The packages come from npm once, pinned by node/package-lock.json, into
tests/providers/.cache (git-ignored; tests/support/tool_cache.py); the programs beside
node_modules there, where Node looks for what they import.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.live_service import free_port
from tests.support.tool_cache import cached, digest, npm_packages

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
NODE = HERE / "node"
PROGRAMS = ("better_auth.mjs", "oidc_provider.mjs")
# The prefix of every skip for missing tools; tests/conftest.py closes the run with a note.
PROVIDER_TOOLS_MISSING = "the identity providers could not be installed"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
REQUEST_TIMEOUT_SECONDS = 10


def installed_programs() -> Path:
    """The folder holding the provider programs, next to the pinned packages they import."""
    packages = npm_packages(CACHE, NODE)

    def copy(folder: Path) -> None:
        for name in PROGRAMS:
            shutil.copy(NODE / name, folder / name)
        shutil.copy(NODE / "package.json", folder / "package.json")

    key = digest(*((NODE / name).read_bytes() for name in PROGRAMS))
    return cached(CACHE, "programs", key, copy, parent=packages)


class NodeServer:
    """One provider program listening on 127.0.0.1:`port`; stopped and started at will."""

    def __init__(self, programs: Path, program: str, port: int, **environment: str) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self._command = [shutil.which("node") or "node", str(programs / program)]
        self._cwd = programs
        self._env = {"PATH": os.environ["PATH"], "PORT": str(port), **environment}
        self._log_path = programs / f"{program}-{port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a pinned program of our own
                self._command, cwd=self._cwd, env=self._env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self._command[1]} exited early:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.05)
                continue
            return
        self.stop()
        raise RuntimeError(f"{self._command[1]} did not listen within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_SECONDS)

    def log(self) -> str:
        return self._log_path.read_text(errors="replace")[-4000:]


class BetterAuth(NodeServer):
    """A Better Auth server; `base_path` and `jwks_path` as its `basePath` and `jwksPath`."""

    def __init__(
        self, programs: Path, base_path: str = "/api/auth", jwks_path: str = "/jwks"
    ) -> None:
        super().__init__(
            programs,
            "better_auth.mjs",
            free_port(),
            AUTH_BASE_PATH=base_path,
            AUTH_JWKS_PATH=jwks_path,
        )
        self.auth_url = self.origin + base_path
        self.jwks_url = self.auth_url + jwks_path

    def sign_up(self, email: str, name: str) -> tuple[dict[str, Any], str]:
        """A new user, as Better Auth describes it, and the JWT its /token gives them."""
        with httpx.Client(base_url=self.auth_url, timeout=REQUEST_TIMEOUT_SECONDS) as browser:
            signed_up = browser.post(
                "/sign-up/email",
                json={"email": email, "password": "correct horse battery staple", "name": name},
            )
            assert signed_up.status_code == 200, signed_up.text
            # The session cookie it set is what /token reads.
            token = browser.get("/token")
            assert token.status_code == 200, token.text
        return signed_up.json()["user"], str(token.json()["token"])

    def token_for(self, email: str) -> str:
        """A fresh JWT for the user `email` (signed up already), after signing in."""
        with httpx.Client(base_url=self.auth_url, timeout=REQUEST_TIMEOUT_SECONDS) as browser:
            signed_in = browser.post(
                "/sign-in/email",
                json={"email": email, "password": "correct horse battery staple"},
            )
            assert signed_in.status_code == 200, signed_in.text
            return str(browser.get("/token").json()["token"])

    def rotate_keys(self) -> None:
        self._test_route("/test/rotate")

    def expired_token(self, subject: str) -> str:
        return str(self._test_route("/test/expired-token", sub=subject)["token"])

    def _test_route(self, path: str, **query: str) -> dict[str, Any]:
        response = httpx.post(self.origin + path, params=query, timeout=REQUEST_TIMEOUT_SECONDS)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


class OidcProvider(NodeServer):
    """node oidc-provider with one client, `todo-worker`, allowed the client credentials grant.

    Its signing key lives in `key_file`, so a restart on the same port serves the same key.
    """

    CLIENT_ID = "todo-worker"
    CLIENT_SECRET = "todo-worker-secret-of-the-test-provider"

    def __init__(self, programs: Path, resource: str, other_resource: str, key_file: Path) -> None:
        super().__init__(
            programs,
            "oidc_provider.mjs",
            free_port(),
            OIDC_RESOURCE=resource,
            OIDC_OTHER_RESOURCE=other_resource,
            OIDC_KEY_FILE=str(key_file),
        )
        self.issuer = self.origin
        self.jwks_url = f"{self.origin}/jwks"
        self.resource = resource

    def client_credentials_token(self, resource: str | None = None) -> str:
        """An access token for `resource` (default: this service), for the client itself."""
        response = httpx.post(
            f"{self.origin}/token",
            auth=(self.CLIENT_ID, self.CLIENT_SECRET),
            data={
                "grant_type": "client_credentials",
                "scope": "todos",
                "resource": resource or self.resource,
            },
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])
