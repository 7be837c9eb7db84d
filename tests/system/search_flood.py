"""The search flood of issue 14: one user's 21,000 todos, searched by 100 clients at once.

The attacker holds 21,000 todos with 200-emoji titles (seeded in SQL, past any quota)
and sends `GET /api/todos?q=zzzzqq&limit=100` from 100 threads, round after round, while
another user reads one of their own todos again and again. `flood` returns what each
side got; the system test counts statuses, `tests/performance/search_flood.py` times them.
"""

import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import psycopg

from tests.support.live_service import auth_for

ATTACKER_TODOS = 21_000
FLOOD_CLIENTS = 100
FLOOD_ROUNDS = 3
SEARCH = "/api/todos?q=zzzzqq&limit=100"
TIMEOUT_SECONDS = 30

# 199 emoji and a letter: no title holds "zzzzqq", and every one is 800 bytes.
_SEED = """
INSERT INTO users (id, email, name, created_at, active) VALUES (%(owner)s, NULL, NULL, now(), true);
INSERT INTO todos (id, user_id, title, title_folded, description, priority, due_at,
                   completed, completed_at, created_at, updated_at, version)
SELECT gen_random_uuid(), %(owner)s, t.title, lower(t.title), NULL, 1, NULL, false, NULL,
       now() - g * interval '1 second', now() - g * interval '1 second', 1
FROM generate_series(1, %(count)s) AS g,
     LATERAL (SELECT repeat('\N{GRINNING FACE}', 199) || chr(97 + g %% 26) AS title) AS t
"""


@dataclass
class Answers:
    """Statuses and durations (seconds) as each side saw them."""

    statuses: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def keep(self, status: int, seconds: float) -> None:
        self.statuses.append(status)
        self.seconds.append(seconds)

    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    def worst_ms(self) -> float:
        return max(self.seconds) * 1000


@dataclass
class Flood:
    searches: Answers
    reads: Answers


def seed_attacker(conninfo: str, owner: str, count: int = ATTACKER_TODOS) -> None:
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for statement in _SEED.split(";\n"):
            connection.execute(statement, {"owner": owner, "count": count})
        connection.execute("VACUUM ANALYZE todos")


def _timed(send: Callable[[], httpx.Response], answers: Answers, lock: threading.Lock) -> None:
    started = time.perf_counter()
    try:
        status = send().status_code
    except httpx.HTTPError:
        status = 0  # no answer at all
    with lock:
        answers.keep(status, time.perf_counter() - started)


def flood(base_url: str, attacker: str, rounds: int = FLOOD_ROUNDS) -> Flood:
    """The attacker's searches, `rounds` per client, and the victim's reads meanwhile."""
    result = Flood(Answers(), Answers())
    lock = threading.Lock()
    attacker_headers = auth_for(attacker)
    victim_headers = auth_for(f"victim-{uuid.uuid4()}")
    limits = httpx.Limits(max_connections=FLOOD_CLIENTS + 1)
    with httpx.Client(base_url=base_url, limits=limits, timeout=TIMEOUT_SECONDS) as client:
        created = client.post("/api/todos", json={"title": "mine"}, headers=victim_headers)
        created.raise_for_status()
        mine = f"/api/todos/{created.json()['id']}"
        flooding = threading.Event()
        flooding.set()

        def read_while_flooding() -> None:
            while flooding.is_set():
                _timed(lambda: client.get(mine, headers=victim_headers), result.reads, lock)

        def search(_: int) -> None:
            for _round in range(rounds):
                _timed(lambda: client.get(SEARCH, headers=attacker_headers), result.searches, lock)

        victim = threading.Thread(target=read_while_flooding, daemon=True)
        victim.start()
        with ThreadPoolExecutor(max_workers=FLOOD_CLIENTS) as pool:
            list(pool.map(search, range(FLOOD_CLIENTS)))
        flooding.clear()
        victim.join(TIMEOUT_SECONDS)
    return result
