"""`make bench`: the service against its ceiling on the local PostgreSQL, with wrk.

A yardstick that cannot flatter the service:

- The ceiling (ceiling.py) runs on the fastest stack uvicorn offers, `--loop uvloop
  --http httptools`; the service runs as production does (`todo serve` with WORKERS,
  LOG_LEVEL=warning, ACCESS_LOG=false) and picks its own loop. Both answer the same
  information (a todo's ETag, a created todo's Location).
- Phase "1" (the headline table): one worker each. Phase "cores": one worker per core
  each, then a keep-alive stall check on both apps (keepalive.py). Each phase starts
  both apps fresh, warms every workload up, then runs interleaved rounds (per workload:
  the service, then the ceiling); the tables show medians over the rounds, and a ratio
  is the median of the per-round ratios.
- The machine must be quiet. Every wrk run measures the CPU of processes outside the
  benchmark (machine.py) over the second before it and while it runs; above
  BENCH_MAX_FOREIGN_CPU the run is INVALID, its workload is marked so in the tables,
  the report opens with "INVALID: the machine was not quiet" and the exit status is 3.
- clear_completed is no wrk run (clear.py): a bulk delete of 100 todos empties what it
  clears, so each of its runs puts 100 completed todos in place before every request,
  untimed, and sends one request at a time; its ratio compares the median latencies.
  It is watched for foreign CPU like a wrk run, in a section of its own.
- Phase "latency" (latency.py; `make bench-latency`): production's database is a network
  hop away. Both apps, one worker each, reach PostgreSQL through a delay proxy
  (delay_proxy.py: BENCH_DB_DELAY_MS each way, one proxy process per app, counting its
  round trips) and get each workload's requests one at a time on one connection; the
  table shows p50/p90/p99, service p50 / ceiling p50 and round trips per request. Its
  runs are watched for foreign CPU like wrk's (the proxies are the bench's children).
- After the phases the table grows to BENCH_BIG_ROWS rows, and list and get are
  measured again on a fresh one-worker service (against phase 1's figures).

Settings (environment):
  BENCH_PHASES            "1,cores"  phases to run, in order ("1", "cores", "latency")
  BENCH_WORKERS           cores      workers per app in phase "cores"
  BENCH_SECONDS           15         length of a measured run
  BENCH_ROUNDS            3          measured runs per workload and app, per phase
  BENCH_WARMUP_SECONDS    5          warm-up run per workload and app, per phase (0: none)
  BENCH_CONNECTIONS       32         wrk connections (kept alive)
  BENCH_THREADS           2          wrk threads
  BENCH_MAX_FOREIGN_CPU   0.10       foreign CPU, in cores, above which a run is invalid
  BENCH_BIG_ROWS          1000000    rows for the growth step (0 skips it)
  BENCH_WORKLOADS         all        comma-separated subset, e.g. "get,patch"
  BENCH_POSTGRES          host=127.0.0.1 port=5432 user=postgres  (libpq conninfo)
  BENCH_DB_DELAY_MS       1          phase "latency": the proxy's delay each way
  BENCH_LATENCY_REQUESTS  300        phase "latency": timed requests per workload and app
  BENCH_LATENCY_WARMUP    100        phase "latency": untimed requests before them
Results: bench-results/bench-<time>.txt and .json.
"""

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.performance import clear, latency, seed
from tests.performance.apps import (
    BIN,
    ROOT,
    App,
    base_url,
    ceiling_command,
    free_port,
    service_command,
)
from tests.performance.delay_proxy import DelayProxyProcess
from tests.performance.keepalive import StallCheck, check_keepalive
from tests.performance.load import Conditions, Run, Workload, Wrk
from tests.performance.machine import MachineState, Ours, machine_state
from tests.support.rate_limits import UNTHROTTLED
from todo_service.adapters.jwt import mint_token

SMALL_ROWS = 60_000
MAIN_ROWS = 10_000
SAMPLED_TODOS = 1_000
SYNCED = 100
DEEP_AFTER = MAIN_ROWS - 20
APPS = ("service", "ceiling")
WORKLOADS = (
    "list",
    "list_filtered",
    "deep_cursor",
    "get",
    "create",
    "toggle",
    "move",
    "patch",
    "no_token",
    "sync",
    clear.NAME,
)
GROWTH_WORKLOADS = ("list", "get")
INVALID_EXIT_STATUS = 3

# The least share of the ceiling's throughput each workload must reach.
TARGETS = {
    "list": 0.5,
    "list_filtered": 0.5,
    "deep_cursor": 0.5,
    "get": 0.5,
    "no_token": 0.5,
    "sync": 0.5,
    "create": 0.4,
    "toggle": 0.4,
    "move": 0.4,
    "patch": 0.4,
    clear.NAME: 0.4,  # of the ceiling's speed: its median latency over the service's
}
P99_TARGET = 3.0  # service p99 at most this multiple of the ceiling's, in the same round
DEEP_TARGET = 0.9  # deep cursor page / first page, service
GROWTH_TARGET = 0.85  # at BENCH_BIG_ROWS rows / at 60,000 rows, service


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_list(name: str, default: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, default).split(",") if item)


@dataclass(frozen=True)
class Config:
    seconds: int = _env_int("BENCH_SECONDS", 15)
    rounds: int = _env_int("BENCH_ROUNDS", 3)
    warmup: int = _env_int("BENCH_WARMUP_SECONDS", 5)
    connections: int = _env_int("BENCH_CONNECTIONS", 32)
    threads: int = _env_int("BENCH_THREADS", 2)
    workers: int = _env_int("BENCH_WORKERS", os.cpu_count() or 1)
    phases: tuple[str, ...] = _env_list("BENCH_PHASES", "1,cores")
    max_foreign_cpu: float = float(os.environ.get("BENCH_MAX_FOREIGN_CPU", "0.10"))
    big_rows: int = _env_int("BENCH_BIG_ROWS", 1_000_000)
    admin: str = os.environ.get("BENCH_POSTGRES", "host=127.0.0.1 port=5432 user=postgres")
    only: tuple[str, ...] = _env_list("BENCH_WORKLOADS", "")
    db_delay_ms: float = float(os.environ.get("BENCH_DB_DELAY_MS", "1"))
    latency_requests: int = _env_int("BENCH_LATENCY_REQUESTS", 300)
    latency_warmup: int = _env_int("BENCH_LATENCY_WARMUP", 100)

    def workloads(self) -> list[str]:
        unknown = set(self.only) - set(WORKLOADS)
        if unknown:
            raise SystemExit(f"BENCH_WORKLOADS: unknown {sorted(unknown)}; known: {WORKLOADS}")
        return [name for name in WORKLOADS if not self.only or name in self.only]


@dataclass(frozen=True)
class Phase:
    name: str
    workers: int

    @property
    def checks_keepalive(self) -> bool:
        return self.name == "cores"

    @property
    def measures_latency(self) -> bool:
        return self.name == "latency"


def phases(config: Config) -> list[Phase]:
    workers = {"1": 1, "cores": config.workers, "latency": 1}
    unknown = set(config.phases) - workers.keys()
    if unknown or not config.phases:
        raise SystemExit(
            f"BENCH_PHASES: {','.join(config.phases)!r}; use some of 1, cores and latency, "
            "comma-separated"
        )
    return [Phase(name, workers[name]) for name in config.phases]


@dataclass
class Results:
    runs: dict[str, list[Run]] = field(default_factory=dict)
    stalls: dict[str, StallCheck] = field(default_factory=dict)
    latency_runs: dict[str, latency.LatencyRun] = field(default_factory=dict)  # "app:workload"

    def add(self, key: str, run: Run) -> None:
        self.runs.setdefault(key, []).append(run)

    def has(self, *keys: str) -> bool:
        return all(key in self.runs for key in keys)

    def median(self, key: str, attribute: str = "rps") -> float:
        return float(statistics.median(getattr(r.measure, attribute) for r in self.runs[key]))

    def unexpected(self, key: str) -> int:
        return sum(r.measure.unexpected for r in self.runs[key])

    def valid(self, *keys: str) -> bool:
        return all(r.conditions.valid for key in keys for r in self.runs[key])

    def all_valid(self) -> bool:
        return all(conditions.valid for conditions in self.all_conditions())

    def all_conditions(self) -> list[Conditions]:
        """What the machine did around every measured run, wrk's and latency's."""
        runs = [run.conditions for runs in self.runs.values() for run in runs]
        return runs + [run.conditions for run in self.latency_runs.values()]

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        return {
            key: [{**asdict(run), "valid": run.conditions.valid} for run in runs]
            for key, runs in self.runs.items()
        } | {f"latency:{key}": [run.as_json()] for key, run in self.latency_runs.items()}

    def ratio(self, numerator: str, denominator: str, attribute: str = "rps") -> float:
        """The median of the per-round ratios."""
        pairs = zip(self.runs[numerator], self.runs[denominator], strict=True)
        return statistics.median(
            _divide(getattr(n.measure, attribute), getattr(d.measure, attribute)) for n, d in pairs
        )


def _divide(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


@dataclass
class Bench:
    config: Config
    wrk: Wrk
    env: dict[str, str]
    conninfo: str
    tokens: dict[str, str]
    ids: list[str]
    ours: Ours
    names: list[str]
    clearing: clear.Clearing
    results: Results = field(default_factory=Results)
    log: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        print(f"bench: {line}", flush=True)
        self.log.append(line)

    @property
    def wrk_names(self) -> list[str]:
        return [name for name in self.names if name != clear.NAME]


# Apps ----------------------------------------------------------------------------------


def start_app(bench: Bench, name: str, workers: int, env: dict[str, str]) -> App:
    port = free_port()
    # Both apps build each todo's `url` on the same base.
    env = {**bench.env, **env, "PUBLIC_BASE_URL": base_url(port)}
    if name == "service":
        env |= {"PORT": str(port), "WORKERS": str(workers)}
        app = App(name, port, service_command(), env)
    else:
        app = App(name, port, ceiling_command(port, workers), env)
    bench.ours.groups.add(app.group)
    return app


@contextmanager
def running(
    bench: Bench,
    workers: int,
    names: tuple[str, ...] = APPS,
    env: dict[str, dict[str, str]] | None = None,
) -> Iterator[dict[str, App]]:
    """The apps, started fresh and ready (`env`: settings of their own, by app); stopped on
    the way out."""
    apps: dict[str, App] = {}
    try:
        for name in names:
            apps[name] = start_app(bench, name, workers, (env or {}).get(name, {}))
        for app in apps.values():
            app.wait_ready(bench.tokens["main"])
        yield apps
    finally:
        for app in apps.values():
            app.stop()
            # Its group id may go to an unrelated process later.
            bench.ours.groups.discard(app.group)


# Setup ---------------------------------------------------------------------------------


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


def postgres_address(config: Config) -> tuple[str, int]:
    parts = conninfo_to_dict(config.admin)
    return str(parts.get("host") or "127.0.0.1"), int(str(parts.get("port") or 5432))


def database_environment(
    config: Config, dbname: str, address: tuple[str, int] | None = None
) -> dict[str, str]:
    """Both apps' database settings: PostgreSQL, or what listens at `address` for it."""
    host, port = address or postgres_address(config)
    user = conninfo_to_dict(config.admin).get("user", "postgres")
    return {
        "DATABASE_URL": f"postgresql+psycopg://{user}@{host}:{port}/{dbname}",
        "CEILING_CONNINFO": make_conninfo(config.admin, dbname=dbname, host=host, port=port),
    }


def app_environment(config: Config, dbname: str, jwt_secret: str) -> dict[str, str]:
    return {
        **os.environ,
        **database_environment(config, dbname),
        "JWT_SECRET": jwt_secret,
        "CURSOR_SECRET": secrets.token_urlsafe(32),
        "LOG_LEVEL": "warning",
        "ACCESS_LOG": "false",
        # One user's thousands of requests a second, never throttled, each still counted.
        **UNTHROTTLED,
        # The create workload's user gains thousands of todos a round (deleted, its usage
        # recounted, after each pair of runs): past the default quota every create would be
        # a 409. Both apps check it all the same, against the same limit.
        "MAX_TODOS_PER_USER": "10000000",
    }


def seed_database(conninfo: str) -> list[str]:
    """The tables at 60,000 todos; returns the ids get, toggle and patch draw from."""
    started = time.monotonic()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        seed.seed_users(conn)
        seed.seed_main_user(conn, MAIN_ROWS)
        seed.seed_other_users(conn, MAIN_ROWS + 1, SMALL_ROWS)
        clear.seed_user(conn)
        seed.seed_user(conn, seed.SYNC_USER, 1, SYNCED)
        # Numbered past any floor a sync token can hold: a sync with any of this user's
        # tokens answers these 100 changes, every time.
        conn.execute(
            "UPDATE todos SET change_number = %s WHERE user_id = %s", (2**62, seed.SYNC_USER)
        )
        seed.count_usage(conn, seed.user_ids())
        seed.analyze(conn)
        # Titles without milk: patch renames them, and the filtered list should keep
        # finding the same todos.
        ids = [
            str(row[0])
            for row in conn.execute(
                "SELECT id FROM todos WHERE user_id = %s AND title_folded NOT LIKE '%%milk%%' "
                "ORDER BY random() LIMIT %s",
                (seed.MAIN_USER, SAMPLED_TODOS),
            )
        ]
    print(f"bench: seeded {SMALL_ROWS} todos in {time.monotonic() - started:.1f} s", flush=True)
    return ids


def prepare(config: Config, wrk_path: str, dbname: str, ours: Ours) -> Bench:
    jwt_secret = secrets.token_urlsafe(32)
    env = app_environment(config, dbname, jwt_secret)
    subprocess.run([str(BIN / "todo"), "migrate"], env=env, check=True, cwd=ROOT)  # noqa: S603
    conninfo = env["CEILING_CONNINFO"]
    tokens = {
        "main": mint_token(jwt_secret, seed.MAIN_USER, ttl_seconds=86_400),
        "writer": mint_token(jwt_secret, seed.WRITER_USER, ttl_seconds=86_400),
        "clearer": mint_token(jwt_secret, seed.CLEAR_USER, ttl_seconds=86_400),
        "syncer": mint_token(jwt_secret, seed.SYNC_USER, ttl_seconds=86_400),
    }
    ours.database = dbname
    ids = seed_database(conninfo)
    wrk = Wrk(wrk_path, config.threads, config.connections, config.max_foreign_cpu, ours)
    clearing = clear.Clearing(conninfo, tokens["clearer"], wrk.watch)
    return Bench(config, wrk, env, conninfo, tokens, ids, ours, config.workloads(), clearing)


# Workloads -----------------------------------------------------------------------------


def sync_token(app: App, token: str) -> str:
    """A sync token of the user's, from a full sync (the ceiling ignores it)."""
    return str(app.get(f"/api/todos/changes?limit={SYNCED}", token)["token"])


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


def workloads(bench: Bench, app: App, names: list[str]) -> dict[str, Workload]:
    main, syncer = bench.tokens["main"], bench.tokens["syncer"]
    todos = [f"/api/todos/{i}" for i in bench.ids]
    # Factories: the deep cursor is walked only when its workload runs.
    every: dict[str, Callable[[], Workload]] = {
        "list": lambda: Workload("list", ["/api/todos"], token=main),
        "list_filtered": lambda: Workload(
            "list_filtered", ["/api/todos?completed=false&q=milk"], token=main
        ),
        "deep_cursor": lambda: Workload(
            "deep_cursor", [f"/api/todos?cursor={deep_cursor(app, main)}"], token=main
        ),
        "get": lambda: Workload("get", todos, token=main),
        "create": lambda: Workload(
            "create",
            ["/api/todos"],
            method="POST",
            body='{"title": "Benchmark todo", "priority": "high"}',
            token=bench.tokens["writer"],
            expect=201,
        ),
        "toggle": lambda: Workload(
            "toggle", [f"{path}/toggle-complete" for path in todos], "POST", token=main
        ),
        # To the start: ORDER_STEP below the first order, room for 2^37 moves, so a move
        # never has to renumber (which the service does only when no integer is free).
        "move": lambda: Workload(
            "move", [f"{path}/move" for path in todos], "POST", body='{"to": "start"}', token=main
        ),
        "patch": lambda: Workload("patch", todos, "PATCH", token=main, mode="patch"),
        "no_token": lambda: Workload("no_token", ["/api/todos"], expect=401),
        # What changed since a token: SYNCED todos (the ceiling lists the same todos).
        "sync": lambda: Workload(
            "sync",
            [f"/api/todos/changes?limit={SYNCED}&token={sync_token(app, syncer)}"],
            token=syncer,
        ),
    }
    return {name: every[name]() for name in names}


def read_versions(conn: psycopg.Connection[Any], ids: list[str]) -> dict[str, int]:
    rows = conn.execute("SELECT id::text, version FROM todos WHERE id = ANY(%s::uuid[])", (ids,))
    return {str(todo_id): int(version) for todo_id, version in rows}


def settled_versions(conninfo: str, ids: list[str]) -> dict[str, int]:
    """The todos' versions once writes have stopped landing.

    wrk stops sending at its deadline, but an app may still be finishing the requests it
    had received; a version read before they land would be stale, and wrk's If-Match 412.
    """
    deadline = time.monotonic() + 15
    with psycopg.connect(conninfo, autocommit=True) as conn:
        previous = read_versions(conn, ids)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            current = read_versions(conn, ids)
            if current == previous:
                return current
            previous = current
    raise SystemExit("the todos' versions were still changing 15 s after wrk had stopped")


def request_lines(bench: Bench, workload: Workload) -> list[str]:
    if workload.mode != "patch":
        return workload.paths
    # Read before every patch run: toggle, patch and the other app's runs move versions.
    versions = settled_versions(bench.conninfo, bench.ids)
    return [f"/api/todos/{todo_id} {versions[todo_id]}" for todo_id in bench.ids]


def vacuum(bench: Bench) -> None:
    """Every round starts from a vacuumed table, the same for both apps.

    The write workloads leave tens of thousands of dead row versions on the main
    user's todos; without this the next round's lists would measure PostgreSQL's
    clean-up (counts that must visit the heap), not the apps.
    """
    with psycopg.connect(bench.conninfo, autocommit=True) as conn:
        seed.analyze(conn)


def delete_created(bench: Bench) -> None:
    """Keeps the table at 60,000 rows: the writer's todos go after each create pair, and
    its usage counters (both apps count each create in them) are made exact again."""
    with psycopg.connect(bench.conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM todos WHERE user_id = %s", (seed.WRITER_USER,))
        seed.count_usage(conn, [seed.WRITER_USER])


# wrk -----------------------------------------------------------------------------------


def run_wrk(bench: Bench, app: App, workload: Workload, seconds: int) -> Run:
    return bench.wrk.run(app.base, workload, request_lines(bench, workload), seconds)


def run_workload(bench: Bench, app: App, plan: dict[str, Workload], name: str, seconds: int) -> Run:
    if name != clear.NAME:
        return run_wrk(bench, app, plan[name], seconds)
    # Each run's thousands of deleted rows would slow the next app's deletes.
    vacuum(bench)
    return bench.clearing.run(app, seconds, bench.say)


def run_line(label: str, app_name: str, workload: str, run: Run) -> str:
    measure = run.measure
    return (
        f"{label} {app_name:8} {workload:15} {measure.rps:8.0f} req/s  "
        f"p50 {measure.p50_ms:7.1f} ms  p99 {measure.p99_ms:7.1f} ms  "
        f"unexpected {measure.unexpected}  {run.conditions.describe()}"
    )


# Phases --------------------------------------------------------------------------------


def run_round(
    bench: Bench,
    phase: Phase,
    round_number: int,
    apps: dict[str, App],
    plans: dict[str, dict[str, Workload]],
) -> None:
    """Every workload once on each app, the service first; warm-ups in the first round."""
    config = bench.config
    vacuum(bench)
    for name in bench.names:
        for app_name, app in apps.items():
            if round_number == 1 and config.warmup:
                run_workload(bench, app, plans[app_name], name, config.warmup)
            run = run_workload(bench, app, plans[app_name], name, config.seconds)
            bench.results.add(f"{phase.name}:{app_name}:{name}", run)
            label = f"phase {phase.name:5} round {round_number}"
            bench.say(run_line(label, app_name, name, run))
        if name == "create":
            delete_created(bench)


def run_phase(bench: Bench, phase: Phase) -> None:
    if phase.measures_latency:
        run_latency_phase(bench, phase)
        return
    bench.say(f"phase {phase.name}: {phase.workers} worker(s) per app, both started fresh")
    with running(bench, phase.workers) as apps:
        plans = {name: workloads(bench, app, bench.wrk_names) for name, app in apps.items()}
        for round_number in range(1, bench.config.rounds + 1):
            run_round(bench, phase, round_number, apps, plans)
        if phase.checks_keepalive:
            for name, app in apps.items():
                check = check_keepalive(app.port)
                bench.results.stalls[f"{phase.name}:{name}"] = check
                bench.say(
                    f"phase {phase.name:5} keep-alive stall check, {name}: {check.describe()}"
                )


# Phase "latency" -----------------------------------------------------------------------


@contextmanager
def delayed_databases(bench: Bench) -> Iterator[dict[str, DelayProxyProcess]]:
    """A delay proxy in front of PostgreSQL for each app, each in a process of its own.

    They are the bench's children, so the machine's watch counts their CPU as ours.
    """
    upstream, delay = postgres_address(bench.config), bench.config.db_delay_ms / 1000
    proxies: dict[str, DelayProxyProcess] = {}
    try:
        for name in APPS:
            proxies[name] = DelayProxyProcess(upstream, delay)
        yield proxies
    finally:
        for proxy in proxies.values():
            proxy.stop()


def latency_plan(
    bench: Bench, planned: dict[str, Workload], name: str, conn: psycopg.Connection[Any]
) -> latency.Plan:
    """How the latency phase sends workload `name` (`planned`: the wrk workloads of an app)."""
    if name == clear.NAME:
        workload = Workload(name, [clear.PATH], "DELETE", token=bench.tokens["clearer"])
        expected = {"deleted": clear.CLEARED}
        return latency.Plan(
            workload, prepare=lambda: clear.put_completed(conn), expect_body=expected
        )
    workload = planned[name]
    # One request at a time: nothing is in flight, the stored versions are the current ones.
    versions = read_versions(conn, bench.ids) if workload.mode == "patch" else {}
    return latency.Plan(workload, versions)


def run_latency_phase(bench: Bench, phase: Phase) -> None:
    config = bench.config
    bench.say(
        f"phase {phase.name}: {phase.workers} worker per app, both started fresh, "
        f"PostgreSQL through a proxy adding {config.db_delay_ms:g} ms each way; "
        f"{config.latency_requests} requests per workload one at a time "
        f"(after {config.latency_warmup})"
    )
    dbname = str(conninfo_to_dict(bench.conninfo)["dbname"])
    with delayed_databases(bench) as proxies:
        env = {
            name: database_environment(config, dbname, ("127.0.0.1", proxy.port))
            for name, proxy in proxies.items()
        }
        with (
            running(bench, phase.workers, env=env) as apps,
            psycopg.connect(bench.conninfo, autocommit=True) as conn,
        ):
            plans = {name: workloads(bench, app, bench.wrk_names) for name, app in apps.items()}
            vacuum(bench)
            for name in bench.names:
                for app_name, app in apps.items():
                    if name == clear.NAME:
                        vacuum(bench)  # neither app inherits the other's dead rows
                    run = latency.measure(
                        app.port,
                        latency_plan(bench, plans[app_name], name, conn),
                        config.latency_requests,
                        config.latency_warmup,
                        bench.wrk.watch,
                        proxies[app_name].round_trips,
                    )
                    bench.results.latency_runs[f"{app_name}:{name}"] = run
                    bench.say(latency_line(app_name, name, run))
                if name == "create":
                    delete_created(bench)


def latency_line(app_name: str, workload: str, run: latency.LatencyRun) -> str:
    return (
        f"phase latency {app_name:8} {workload:15} p50 {run.p50_ms:6.2f} ms  "
        f"p90 {run.p90_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  "
        f"round trips {run.round_trips:4.1f}  unexpected {run.unexpected}  "
        f"{run.conditions.describe()}"
        + (f"\n  the first unexpected: {run.first_problem}" if run.first_problem else "")
    )


def run_growth(bench: Bench) -> list[str]:
    """list and get at BENCH_BIG_ROWS rows, on a fresh one-worker service."""
    config = bench.config
    measured = [name for name in GROWTH_WORKLOADS if name in bench.names]
    if config.big_rows <= SMALL_ROWS or not measured:
        return []
    if "1" not in config.phases:
        bench.say("growth skipped: it compares with phase 1's one-worker figures")
        return []
    started = time.monotonic()
    with psycopg.connect(bench.conninfo, autocommit=True) as conn:
        seed.grow(conn, SMALL_ROWS + 1, config.big_rows)
    bench.say(f"grew the table to {config.big_rows} todos in {time.monotonic() - started:.1f} s")
    with running(bench, 1, ("service",)) as apps:
        service = apps["service"]
        plans = workloads(bench, service, measured)
        if config.warmup:
            # The same warm cache the 60,000-row figures were measured on.
            for workload in plans.values():
                run_wrk(bench, service, workload, config.warmup)
        for round_number in range(1, config.rounds + 1):
            for name, workload in plans.items():
                run = run_wrk(bench, service, workload, config.seconds)
                bench.results.add(f"growth:service:{name}", run)
                label = f"growth {config.big_rows} rows round {round_number}"
                bench.say(run_line(label, "service", name, run))
    return measured


# Report --------------------------------------------------------------------------------

COLUMNS = (
    f"{'workload':15} {'service/s':>9} {'ceiling/s':>9} {'ratio':>6} {'target':>6} "
    f"{'p50 ms':>7} {'p99 ms':>7} {'ceil p50':>8} {'ceil p99':>8} {'p99 x':>6} "
    f"{'unexp':>5} {'ceil unexp':>10}"
)
INVALID_MARK = "INVALID (foreign load)"


def verdict(valid: bool, misses: list[str]) -> str:
    """The note at the end of a figure's line: invalid, below which targets, or nothing."""
    notes = [] if valid else [INVALID_MARK]
    if misses:
        notes.append(f"<- below target ({', '.join(misses)})")
    return ("  " + "; ".join(notes)) if notes else ""


@dataclass(frozen=True)
class Row:
    workload: str
    service_rps: float
    ceiling_rps: float
    ratio: float  # median of the per-round service/ceiling req/s (or ceiling/service p50)
    target: float
    p50_ms: float
    p99_ms: float
    ceiling_p50_ms: float
    ceiling_p99_ms: float
    p99_ratio: float  # median of the per-round service/ceiling p99
    unexpected: int
    ceiling_unexpected: int
    valid: bool

    def misses(self) -> list[str]:
        checks = {
            "rps": self.ratio < self.target,
            "p99": self.p99_ratio > P99_TARGET,
            "unexpected": self.unexpected > 0,
            "ceiling unexpected": self.ceiling_unexpected > 0,
        }
        return [name for name, missed in checks.items() if missed]

    def line(self) -> str:
        return (
            f"{self.workload:15} {self.service_rps:9.0f} {self.ceiling_rps:9.0f} "
            f"{self.ratio:6.2f} {self.target:6.2f} {self.p50_ms:7.1f} {self.p99_ms:7.1f} "
            f"{self.ceiling_p50_ms:8.1f} {self.ceiling_p99_ms:8.1f} {self.p99_ratio:6.2f} "
            f"{self.unexpected:5d} {self.ceiling_unexpected:10d}"
            + verdict(self.valid, self.misses())
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "below_target": self.misses()}


def row(results: Results, phase: Phase, name: str, by_latency: bool = False) -> Row:
    """`by_latency`: the ratio is of the median latencies, for requests sent one at a time."""
    service, ceiling = f"{phase.name}:service:{name}", f"{phase.name}:ceiling:{name}"
    return Row(
        workload=name,
        service_rps=results.median(service),
        ceiling_rps=results.median(ceiling),
        ratio=(
            results.ratio(ceiling, service, "p50_ms")
            if by_latency
            else results.ratio(service, ceiling)
        ),
        target=TARGETS[name],
        p50_ms=results.median(service, "p50_ms"),
        p99_ms=results.median(service, "p99_ms"),
        ceiling_p50_ms=results.median(ceiling, "p50_ms"),
        ceiling_p99_ms=results.median(ceiling, "p99_ms"),
        p99_ratio=results.ratio(service, ceiling, "p99_ms"),
        unexpected=results.unexpected(service),
        ceiling_unexpected=results.unexpected(ceiling),
        valid=results.valid(service, ceiling),
    )


def deep_page_section(results: Results, phase: Phase) -> tuple[list[str], dict[str, Any]]:
    deep, first = f"{phase.name}:service:deep_cursor", f"{phase.name}:service:list"
    if not results.has(deep, first):
        return [], {}
    ratio, valid = results.ratio(deep, first), results.valid(deep, first)
    misses = ["deep/first"] if ratio < DEEP_TARGET else []
    line = f"deep cursor page / first page (service): {ratio:.2f}  (target {DEEP_TARGET:.2f})"
    return [line + verdict(valid, misses)], {"ratio": ratio, "target": DEEP_TARGET, "valid": valid}


def clear_section(bench: Bench, phase: Phase) -> tuple[list[str], dict[str, Any]]:
    if clear.NAME not in bench.names:
        return [], {}
    cleared = row(bench.results, phase, clear.NAME, by_latency=True)
    lines = [
        f"{clear.NAME}: one DELETE {clear.PATH} at a time, each after {clear.CLEARED} "
        "completed todos were put in place (untimed)",
        "service/s, ceiling/s: that one client's requests per second; "
        "ratio: ceiling p50 / service p50, median of per-round ratios",
        "",
        COLUMNS,
        cleared.line(),
    ]
    return lines, cleared.as_json()


def keepalive_section(results: Results, phase: Phase) -> tuple[list[str], dict[str, Any]]:
    checks = {app: results.stalls.get(f"{phase.name}:{app}") for app in APPS}
    found = {app: check for app, check in checks.items() if check is not None}
    if not found:
        return [], {}
    lines = ["keep-alive stall check (one reused HTTP/1.1 connection, sequential GET /healthz):"]
    lines += [f"  {app:8} {check.describe()}" for app, check in found.items()]
    return lines, {app: check.as_json() for app, check in found.items()}


def latency_section(bench: Bench) -> tuple[list[str], dict[str, Any]]:
    config, runs = bench.config, bench.results.latency_runs
    lines = [
        f"todo service vs ceiling - phase latency: 1 worker each, PostgreSQL through a proxy "
        f"adding {config.db_delay_ms:g} ms each way; {config.latency_requests} requests per "
        f"workload, one at a time on one kept-alive connection (after {config.latency_warmup})",
        "p50 x: service p50 / ceiling p50 (lower is better); "
        "trips: database round trips per request (the app's proxy's count)",
        "",
        latency.COLUMNS,
    ]
    summary: dict[str, Any] = {"db_delay_ms": config.db_delay_ms, "workloads": {}}
    for name in bench.names:
        service, ceiling = runs[f"service:{name}"], runs[f"ceiling:{name}"]
        lines.append(latency.line(name, service, ceiling, INVALID_MARK))
        summary["workloads"][name] = latency.summary(service, ceiling)
    return lines, summary


def phase_section(bench: Bench, phase: Phase) -> tuple[list[str], dict[str, Any]]:
    if phase.measures_latency:
        return latency_section(bench)
    config, results = bench.config, bench.results
    rows = [row(results, phase, name) for name in bench.wrk_names]
    clear_lines, cleared = clear_section(bench, phase)
    deep_lines, deep = deep_page_section(results, phase)
    keepalive_lines, keepalive = keepalive_section(results, phase)
    lines = [
        f"todo service vs ceiling - phase {phase.name}: {phase.workers} worker(s) each, "
        f"{config.connections} keep-alive connections (wrk, {config.threads} threads), "
        f"{config.rounds} x {config.seconds} s, medians",
        f"ratio: service/ceiling req/s, median of per-round ratios (at least `target`); "
        f"p99 x: service p99 / ceiling p99, per round (at most {P99_TARGET:.1f})",
        "",
        COLUMNS,
        *(r.line() for r in rows),
    ]
    for section in (clear_lines, deep_lines + keepalive_lines):
        if section:
            lines += ["", *section]
    summary = {
        "workers": phase.workers,
        "workloads": {r.workload: r.as_json() for r in rows},
        clear.NAME: cleared,
        "deep_vs_first_page": deep,
        "keepalive": keepalive,
    }
    return lines, summary


def growth_section(bench: Bench, growth: list[str]) -> tuple[list[str], dict[str, Any]]:
    results, rows = bench.results, bench.config.big_rows
    lines, summary = [], {}
    for name in growth:
        big, small = f"growth:service:{name}", f"1:service:{name}"
        ratio, valid = results.ratio(big, small), results.valid(big, small)
        misses = ["growth"] if ratio < GROWTH_TARGET else []
        lines.append(
            f"{name} at {rows} rows / at {SMALL_ROWS} rows (service, 1 worker): {ratio:.2f}  "
            f"({results.median(big):.0f} req/s; target {GROWTH_TARGET:.2f})"
            + verdict(valid, misses)
        )
        summary[name] = {"big_rps": results.median(big), "ratio": ratio, "valid": valid}
    return lines, summary


def invalid_banner(bench: Bench) -> list[str]:
    conditions = bench.results.all_conditions()
    invalid = sum(not condition.valid for condition in conditions)
    if not invalid:
        return []
    return [
        f"INVALID: the machine was not quiet (foreign CPU above "
        f"{bench.config.max_foreign_cpu:.2f} cores in {invalid} of {len(conditions)} runs); "
        "these figures are not a result.",
        "",
    ]


def report(bench: Bench, machine: MachineState, stages: list[Phase], growth: list[str]) -> bool:
    """Prints the tables, writes the results files; False when the figures are invalid."""
    lines = [*invalid_banner(bench), machine.describe(), ""]
    summary: dict[str, Any] = {
        "valid": bench.results.all_valid(),
        "config": asdict(bench.config),
        "machine": machine.as_json(),
        "targets": {
            "rps_ratio": TARGETS,
            "p99_ratio_at_most": P99_TARGET,
            "deep_vs_first_page": DEEP_TARGET,
            "growth": GROWTH_TARGET,
        },
        "phases": {},
    }
    for phase in stages:
        phase_lines, summary["phases"][phase.name] = phase_section(bench, phase)
        lines += [*phase_lines, ""]
    growth_lines, summary["growth"] = growth_section(bench, growth)
    lines += growth_lines
    text = "\n".join(lines).rstrip()
    print("\n" + text)
    summary["runs"] = bench.results.as_json()
    summary["log"] = bench.log
    write_results(text + "\n\nper-run log:\n" + "\n".join(bench.log), summary)
    return bool(summary["valid"])


def write_results(text: str, summary: dict[str, Any]) -> None:
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench-{stamp}.txt").write_text(text + "\n")
    (out / f"bench-{stamp}.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nresults: bench-results/bench-{stamp}.txt (and .json)")


def main() -> int:
    config = Config()
    stages = phases(config)
    config.workloads()  # refuse a misspelt BENCH_WORKLOADS before any work
    wrk_path = ensure_wrk()
    ours = Ours()
    machine = machine_state(ours)
    print(f"bench: {config}", flush=True)
    print(f"bench: {machine.describe()}", flush=True)
    with bench_database(config.admin) as dbname:
        bench = prepare(config, wrk_path, dbname, ours)
        for phase in stages:
            run_phase(bench, phase)
        growth = run_growth(bench)
    if report(bench, machine, stages, growth):
        return 0
    print("INVALID: the machine was not quiet; do not report these figures.", file=sys.stderr)
    return INVALID_EXIT_STATUS


if __name__ == "__main__":
    sys.exit(main())
