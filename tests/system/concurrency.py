"""Requests released together: one thread each, held at a barrier, then sent at once."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import httpx

T = TypeVar("T")
BARRIER_TIMEOUT_SECONDS = 30


def all_at_once(count: int, send: Callable[[httpx.Client, int], T], base_url: str) -> list[T]:
    """`send(client, n)` for n in range(count), every call released at the same moment."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT_SECONDS)
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    with httpx.Client(base_url=base_url, limits=limits, timeout=30) as client:

        def released(n: int) -> T:
            barrier.wait()
            return send(client, n)

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(released, range(count)))
