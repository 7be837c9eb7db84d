"""`make bench`: the service against its ceiling on the local PostgreSQL, with wrk.

Settings (environment; the defaults are the ones the numbers in docs/performance.md
come from): BENCH_SECONDS (15), BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (5),
BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_WORKERS (cores), BENCH_BIG_ROWS
(1000000; 0 skips the growth phase), BENCH_POSTGRES (libpq conninfo of the server's
maintenance database), BENCH_WORKLOADS (comma-separated subset).
"""

import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from adapters.jwt import mint_token
from tests.performance import seed

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
SMALL_ROWS = 60_000
MAIN_ROWS = 10_000
DEEP_AFTER = MAIN_ROWS - 20


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Config:
    seconds: int = _env_int("BENCH_SECONDS", 15)
    rounds: int = _env_int("BENCH_ROUNDS", 3)
    warmup: int = _env_int("BENCH_WARMUP_SECONDS", 5)
    connections: int = _env_int("BENCH_CONNECTIONS", 32)
    threads: int = _env_int("BENCH_THREADS", 2)
    workers: int = _env_int("BENCH_WORKERS", os.cpu_count() or 1)
    big_rows: int = _env_int("BENCH_BIG_ROWS", 1_000_000)
    admin: str = os.environ.get("BENCH_POSTGRES", "host=127.0.0.1 port=5432 user=postgres")
    only: tuple[str, ...] = tuple(
        name for name in os.environ.get("BENCH_WORKLOADS", "").split(",") if name
    )


@dataclass(frozen=True)
class Workload:
    name: str
    paths: list[str]
    method: str = "GET"
    body: str = ""
    token: str = ""
    expect: int = 200


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    unexpected: int


@dataclass
class Results:
    runs: dict[str, list[Measure]] = field(default_factory=dict)

    def add(self, key: str, measure: Measure) -> None:
        self.runs.setdefault(key, []).append(measure)

    def median(self, key: str, attribute: str = "rps") -> float:
        return float(statistics.median(getattr(m, attribute) for m in self.runs[key]))

    def unexpected(self, key: str) -> int:
        return sum(m.unexpected for m in self.runs[key])

    def ratio(self, numerator: str, denominator: str) -> float:
        """The median of the per-round ratios."""
        pairs = zip(self.runs[numerator], self.runs[denominator], strict=True)
        return statistics.median(n.rps / d.rps for n, d in pairs)


class App:
    def __init__(self, name: str, port: int, command: list[str], env: dict[str, str]) -> None:
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, start_new_session=True
        )

    def wait_ready(self, token: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self._process.returncode}")
            try:
                self.get("/api/todos?limit=1", token)
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer within 60 s")

    def get(self, path: str, token: str) -> Any:
        request = urllib.request.Request(  # noqa: S310
            self.base + path, headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing the Debian package", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=False)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        subprocess.run([*sudo, "apt-get", "update"], check=True)  # noqa: S603
        subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)  # noqa: S603
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


@contextmanager
def bench_database(admin: str) -> Iterator[str]:
    name = f"todo_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(admin, dbname="postgres", autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


def run_wrk(wrk: str, config: Config, app: App, workload: Workload, seconds: int) -> Measure:
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as paths:
        paths.write("\n".join(workload.paths) + "\n")
    env = {
        **os.environ,
        "BENCH_PATHS": paths.name,
        "BENCH_METHOD": workload.method,
        "BENCH_BODY": workload.body,
        "BENCH_TOKEN": workload.token,
        "BENCH_EXPECT": str(workload.expect),
    }
    command = [
        wrk,
        f"-t{config.threads}",
        f"-c{config.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "workload.lua"),
        app.base,
    ]
    try:
        output = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(paths.name)
    match = re.search(r"^BENCH_RESULT (.*)$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    raw = json.loads(match.group(1))
    return Measure(
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        unexpected=raw["unexpected"] + raw["socket_errors"],
    )


def deep_cursor(app: App, token: str) -> str:
    """The cursor after the first DEEP_AFTER todos, walked through the app's own pages."""
    cursor, seen = None, 0
    while seen < DEEP_AFTER:
        limit = min(100, DEEP_AFTER - seen)
        path = f"/api/todos?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = app.get(path, token)
        seen += len(page["items"])
        cursor = page["next_cursor"]
    assert cursor is not None
    return str(cursor)


def workloads(app: App, tokens: dict[str, str], ids: list[str]) -> list[Workload]:
    main = tokens["main"]
    return [
        Workload("list", ["/api/todos"], token=main),
        Workload("list_filtered", ["/api/todos?completed=false&q=milk"], token=main),
        Workload("deep_cursor", [f"/api/todos?cursor={deep_cursor(app, main)}"], token=main),
        Workload("get", [f"/api/todos/{i}" for i in ids], token=main),
        Workload(
            "create",
            ["/api/todos"],
            method="POST",
            body='{"title": "Benchmark todo", "priority": "high"}',
            token=tokens["writer"],
            expect=201,
        ),
        Workload("toggle", [f"/api/todos/{i}/toggle-complete" for i in ids], "POST", token=main),
        Workload("no_token", ["/api/todos"], expect=401),
    ]


def main() -> int:  # noqa: PLR0912 - one script, top to bottom
    config = Config()
    wrk = ensure_wrk()
    jwt_secret = secrets.token_urlsafe(32)
    tokens = {
        "main": mint_token(jwt_secret, seed.MAIN_USER, ttl_seconds=86_400),
        "writer": mint_token(jwt_secret, seed.WRITER_USER, ttl_seconds=86_400),
    }
    print(f"bench: {config}", flush=True)
    with bench_database(config.admin) as dbname:
        conninfo = f"{config.admin} dbname={dbname}"
        match = dict(part.split("=", 1) for part in config.admin.split())
        url = (
            f"postgresql+psycopg://{match.get('user', 'postgres')}@{match.get('host', '127.0.0.1')}"
            f":{match.get('port', '5432')}/{dbname}"
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "JWT_SECRET": jwt_secret,
            "CURSOR_SECRET": secrets.token_urlsafe(32),
            "LOG_LEVEL": "warning",
            "ACCESS_LOG": "false",
            "WORKERS": str(config.workers),
            "CEILING_CONNINFO": conninfo,
        }
        subprocess.run([str(BIN / "todo"), "migrate"], env=env, check=True, cwd=ROOT)  # noqa: S603
        started = time.monotonic()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            seed.seed_users(conn)
            seed.seed_main_user(conn, MAIN_ROWS)
            seed.seed_other_users(conn, MAIN_ROWS + 1, SMALL_ROWS)
            seed.analyze(conn)
            ids = [
                str(row[0])
                for row in conn.execute(
                    "SELECT id FROM todos WHERE user_id = %s ORDER BY random() LIMIT 1000",
                    (seed.MAIN_USER,),
                )
            ]
        print(f"bench: seeded {SMALL_ROWS} todos in {time.monotonic() - started:.1f} s", flush=True)

        apps = {
            "service": App(
                "service", 18_001, [str(BIN / "todo"), "serve"], {**env, "PORT": "18001"}
            ),
            "ceiling": App(
                "ceiling",
                18_002,
                [
                    str(BIN / "uvicorn"),
                    "--factory",
                    "tests.performance.ceiling:create_app",
                    "--port=18002",
                    f"--workers={config.workers}",
                    "--log-level=warning",
                    "--no-access-log",
                ],
                env,
            ),
        }
        results = Results()
        try:
            for app in apps.values():
                app.wait_ready(tokens["main"])
            plans = {name: workloads(app, tokens, ids) for name, app in apps.items()}
            names = [w.name for w in plans["service"] if not config.only or w.name in config.only]
            for round_number in range(1, config.rounds + 1):
                for index, workload in enumerate(plans["service"]):
                    if workload.name not in names:
                        continue
                    for app_name, app in apps.items():
                        plan = plans[app_name][index]
                        if round_number == 1 and config.warmup:
                            run_wrk(wrk, config, app, plan, config.warmup)
                        measure = run_wrk(wrk, config, app, plan, config.seconds)
                        results.add(f"{app_name}:{plan.name}", measure)
                        print(
                            f"bench: round {round_number} {app_name:8} {plan.name:14} "
                            f"{measure.rps:8.0f} req/s  p50 {measure.p50_ms:6.1f} ms  "
                            f"p99 {measure.p99_ms:6.1f} ms  unexpected {measure.unexpected}",
                            flush=True,
                        )
                    if workload.name == "create":
                        with psycopg.connect(conninfo, autocommit=True) as conn:
                            conn.execute(
                                "DELETE FROM todos WHERE user_id = %s", (seed.WRITER_USER,)
                            )
            growth: list[str] = []
            if config.big_rows > SMALL_ROWS:
                started = time.monotonic()
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    seed.grow(conn, SMALL_ROWS + 1, config.big_rows)
                print(
                    f"bench: grew the table to {config.big_rows} todos in "
                    f"{time.monotonic() - started:.1f} s",
                    flush=True,
                )
                growth = [n for n in ("list", "get") if n in names]
                for workload in plans["service"]:
                    if workload.name in growth and config.warmup:
                        # The same warm cache the 60,000-row figures were measured on.
                        run_wrk(wrk, config, apps["service"], workload, config.warmup)
                for round_number in range(1, config.rounds + 1):
                    for workload in plans["service"]:
                        if workload.name not in growth:
                            continue
                        measure = run_wrk(wrk, config, apps["service"], workload, config.seconds)
                        results.add(f"big:{workload.name}", measure)
                        print(
                            f"bench: round {round_number} service  {workload.name:14} "
                            f"{measure.rps:8.0f} req/s at {config.big_rows} rows",
                            flush=True,
                        )
        finally:
            for app in apps.values():
                app.stop()
    report(config, results, names, growth)
    return 0


TARGETS = {
    "list": 0.4,
    "list_filtered": 0.4,
    "deep_cursor": 0.4,
    "get": 0.5,
    "create": 0.5,
    "toggle": 0.5,
    "no_token": 0.5,
}


def report(config: Config, results: Results, names: list[str], growth: list[str]) -> None:
    lines = [
        f"todo service vs ceiling - {config.workers} workers, {config.connections} connections, "
        f"{config.rounds} x {config.seconds} s, medians",
        "",
        f"{'workload':14} {'service/s':>10} {'ceiling/s':>10} {'ratio':>6} {'target':>6} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'unexp':>6}  {'ceil p50':>8} {'ceil p99':>8}",
    ]
    summary: dict[str, Any] = {"config": config.__dict__, "workloads": {}, "growth": {}}
    for name in names:
        service, ceiling = f"service:{name}", f"ceiling:{name}"
        ratio = results.ratio(service, ceiling)
        row = {
            "service_rps": results.median(service),
            "ceiling_rps": results.median(ceiling),
            "ratio": ratio,
            "target": TARGETS[name],
            "met": ratio >= TARGETS[name] and results.unexpected(service) == 0,
            "p50_ms": results.median(service, "p50_ms"),
            "p99_ms": results.median(service, "p99_ms"),
            "unexpected": results.unexpected(service),
            "ceiling_p50_ms": results.median(ceiling, "p50_ms"),
            "ceiling_p99_ms": results.median(ceiling, "p99_ms"),
            "ceiling_unexpected": results.unexpected(ceiling),
        }
        summary["workloads"][name] = row
        lines.append(
            f"{name:14} {row['service_rps']:10.0f} {row['ceiling_rps']:10.0f} {ratio:6.2f} "
            f"{row['target']:6.2f} {row['p50_ms']:7.1f} {row['p99_ms']:7.1f} "
            f"{row['unexpected']:6d}  {row['ceiling_p50_ms']:8.1f} {row['ceiling_p99_ms']:8.1f}"
            + ("" if row["met"] else "  <- below target")
        )
    lines.append("")
    if "deep_cursor" in names and "list" in names:
        deep = results.ratio("service:deep_cursor", "service:list")
        summary["deep_vs_first_page"] = deep
        lines.append(f"deep cursor page / first page (service): {deep:.2f}  (target 0.90)")
    for name in growth:
        ratio = results.ratio(f"big:{name}", f"service:{name}")
        summary["growth"][name] = {"big_rps": results.median(f"big:{name}"), "ratio": ratio}
        lines.append(
            f"{name} at {config.big_rows} rows / at {SMALL_ROWS} rows (service): "
            f"{ratio:.2f}  ({results.median(f'big:{name}'):.0f} req/s; target 0.85)"
        )
    text = "\n".join(lines)
    print("\n" + text)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench-{stamp}.txt").write_text(text + "\n")
    summary["runs"] = {k: [m.__dict__ for m in v] for k, v in results.runs.items()}
    (out / f"bench-{stamp}.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nresults: bench-results/bench-{stamp}.txt (and .json)")


if __name__ == "__main__":
    sys.exit(main())
