"""`make bench-instructions`: the CPU instructions the service spends per request.

wrk's requests per second (`make bench`) need a quiet machine; an instruction count
does not. Callgrind counts every instruction the process executes, whatever else the
machine is doing, so two commits can be compared on a busy machine, and a change that
adds work to the request path shows up as a number rather than as noise.

How: the service's ASGI app (as `todo serve` builds it, on a throwaway SQLite file)
answers WARMUP requests, then N more, in one process under `valgrind --tool=callgrind`,
once with N = BASE and once with N = BASE + MEASURED; the difference over MEASURED is
the cost of one request, start-up and warm-up cancelled out. No server, socket or
HTTP parser is involved (`make bench` measures those): this is the service's own
Python, its libraries' and SQLite's work. Worker threads run the use cases inline, so
that their work is counted too. PYTHONHASHSEED is fixed, so reruns agree to within a
fraction of a percent.

    make bench-instructions                       # every workload
    BENCH_WORKLOADS=get,toggle make bench-instructions

It installs valgrind (Debian package) when missing.
"""

import asyncio
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.performance.apps import BIN, ROOT
from tests.support.rate_limits import UNTHROTTLED

WORKLOADS = ("get", "list", "create_delete", "toggle", "patch", "no_token")
WARMUP = 200
BASE = 100
MEASURED = 1000
_COLLECTED = re.compile(r"Collected : (\d+)")

ASGIMessage = dict[str, Any]


def main() -> None:
    if len(sys.argv) == 3:  # the child: `<workload> <requests>`
        asyncio.run(_answer(sys.argv[1], int(sys.argv[2])))
        return
    valgrind = _ensure_valgrind()
    chosen = os.environ.get("BENCH_WORKLOADS")
    names = [name.strip() for name in chosen.split(",")] if chosen else list(WORKLOADS)
    print(f"instructions per request (callgrind; {MEASURED} requests after {WARMUP + BASE})")
    for name in names:
        fewer, more = (_instructions(valgrind, name, BASE + extra) for extra in (0, MEASURED))
        print(f"  {name:<13} {(more - fewer) / MEASURED:>12,.0f}")


def _ensure_valgrind() -> str:
    found = shutil.which("valgrind")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "valgrind"], check=True)  # noqa: S607
        found = shutil.which("valgrind")
    if found is None:
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    return found


def _instructions(valgrind: str, workload: str, requests: int) -> int:
    child = [sys.executable, "-m", "tests.performance.instructions", workload, str(requests)]
    done = subprocess.run(  # noqa: S603
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *child],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{workload}: the measured process failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


async def _answer(workload: str, requests: int) -> None:
    """The child under callgrind: WARMUP + `requests` requests of one workload."""
    folder = tempfile.mkdtemp(prefix="todo-instructions-")
    secret = "instructions-" + "s" * 32
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder}/todo.db",
        JWT_SECRET=secret,
        CURSOR_SECRET="instructions-" + "c" * 32,
        LOG_LEVEL="warning",
        ACCESS_LOG="false",
        **UNTHROTTLED,  # as in `make bench`: the limiter's cost, never its 429
    )
    subprocess.run([str(BIN / "todo"), "migrate"], check=True, capture_output=True)  # noqa: S603

    from todo_service.adapters.jwt import mint_token  # once the environment is set
    from todo_service.entrypoints import worker_threads
    from todo_service.entrypoints.http.asgi import create_app_from_environment

    worker_threads._worker_threads = _Inline()  # count their work too
    app = create_app_from_environment()
    token = mint_token(secret, "instructions-user")
    client = _Client(app, token)
    async with app.router.lifespan_context(app):
        request = await _workload(client, workload)
        for _ in range(WARMUP + requests):
            await request()
    shutil.rmtree(folder, ignore_errors=True)


async def _workload(client: "_Client", name: str) -> Callable[[], Awaitable[None]]:
    created = await client.call("POST", "/api/todos", {"title": "milk"}, expect=201)
    todo = f"/api/todos/{created['id']}"
    version = created["version"]

    async def patch() -> None:
        nonlocal version
        changed = await client.call(
            "PATCH", todo, {"title": "oat milk"}, {"if-match": f'"{version}"'}, expect=200
        )
        version = changed["version"]

    async def create_delete() -> None:
        # In pairs, so that every create meets the same table (and the user's quota).
        bread = await client.call("POST", "/api/todos", {"title": "bread"}, expect=201)
        await client.call("DELETE", f"/api/todos/{bread['id']}", expect=204)

    requests: dict[str, Callable[[], Awaitable[Any]]] = {
        "get": lambda: client.call("GET", todo, expect=200),
        "list": lambda: client.call("GET", "/api/todos", expect=200),
        "create_delete": create_delete,
        "toggle": lambda: client.call("POST", f"{todo}/toggle-complete", expect=200),
        "patch": patch,
        "no_token": lambda: client.call("GET", todo, expect=401, token=False),
    }
    if name not in requests:
        raise SystemExit(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
    return requests[name]


class _Client:
    """Just enough of an ASGI client: one HTTP/1.1 request, its status and JSON body."""

    def __init__(self, app: Any, token: str) -> None:
        self._app, self._bearer = app, f"Bearer {token}".encode()

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        expect: int,
        token: bool = True,
    ) -> Any:
        content = b"" if body is None else json.dumps(body).encode()
        raw = [(b"host", b"localhost"), (b"content-length", str(len(content)).encode())]
        if body is not None:
            raw.append((b"content-type", b"application/json"))
        if token:
            raw.append((b"authorization", self._bearer))
        raw += [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        received: list[ASGIMessage] = []
        asked = False

        async def receive() -> ASGIMessage:
            nonlocal asked
            if asked:  # the request has been read: only a disconnect could follow
                await asyncio.sleep(3600)
            asked = True
            return {"type": "http.request", "body": content, "more_body": False}

        async def send(message: ASGIMessage) -> None:
            received.append(message)

        await self._app(scope, receive, send)
        status = received[0]["status"]
        answer = b"".join(message.get("body", b"") for message in received[1:])
        if status != expect:
            raise SystemExit(f"{method} {path}: {status} where {expect} was expected: {answer!r}")
        return json.loads(answer) if answer else None


class _Inline(concurrent.futures.ThreadPoolExecutor):
    """An executor that runs the work in the calling thread, where callgrind sees it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # starts no thread until asked, and never is

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> "concurrent.futures.Future[Any]":
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the awaiting caller gets it
            future.set_exception(error)
        return future


if __name__ == "__main__":
    started = time.monotonic()
    main()
    if len(sys.argv) == 1:
        print(f"({time.monotonic() - started:.0f} s)")
