import logging
import signal
import time
from types import FrameType

import uvicorn

from todo_service.entrypoints.http.serving.stopping import SERVER_DRAINING

log = logging.getLogger("todo.serve")

# A signal like the first within this long of it is the same stop told twice, not the
# second signal that ends the drain.
SAME_STOP_SECONDS = 1.0


class DrainingServer(uvicorn.Server):
    """uvicorn's server, which on SIGTERM drains before it stops.

    uvicorn stops listening as soon as it is told to stop: the clients of a load balancer
    that has not yet noticed meet refused connections, and kept-alive ones a closed socket
    at their next request. Draining comes first instead, for `drain_seconds`:

    - `/readyz` answers 503 (`SERVER_DRAINING`), so the balancer's health checks take the
      worker out of rotation;
    - the worker goes on accepting and serving, and every answer carries
      `Connection: close` (GuardedHttpProtocol), so kept-alive clients move on, each after
      an answer rather than by a dropped request.

    Then uvicorn's own shutdown: it stops listening, closes idle connections, ends the
    live update streams, and gives requests in flight `timeout_graceful_shutdown`.
    SIGINT (Ctrl+C in a terminal) skips the drain, and a second signal of either kind,
    during the drain or the shutdown, stops the worker at once; unless it is the first
    one again within SAME_STOP_SECONDS, as when systemd signals every process of its
    unit while the parent passes the same signal on.
    """

    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._drain_ends: float | None = None
        self._drain_announced = False
        self._first_signal: int | None = None
        self._first_signal_at = 0.0

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal handler: it only sets flags, which on_tick reads within 0.1 s.
        now = time.monotonic()
        if sig == self._first_signal and now - self._first_signal_at < SAME_STOP_SECONDS:
            # The same stop, told twice: systemd signals every process of its unit
            # (KillMode=control-group) while the parent passes its own copy on.
            return
        if self._first_signal is None:
            self._first_signal, self._first_signal_at = sig, now
        stopping = self.should_exit or self._drain_ends is not None
        if stopping:
            self.force_exit = True
        elif sig == signal.SIGTERM and self._drain_seconds > 0:
            self._drain_ends = time.monotonic() + self._drain_seconds
            SERVER_DRAINING.set()
        super().handle_exit(sig, frame)
        if self._drain_ends is not None and not self.force_exit:
            # Recorded (uvicorn raises it again once stopped), but not yet acted on.
            self.should_exit = False

    async def on_tick(self, counter: int) -> bool:
        if self._drain_ends is not None and not self.should_exit:
            if not self._drain_announced:
                # Here rather than in the signal handler, which may interrupt a log call.
                self._drain_announced = True
                log.info(
                    f"SIGTERM: draining for {self._drain_seconds:g} s (/readyz answers 503, "
                    "every answer closes its connection), then stopping; a second signal "
                    "stops at once"
                )
            if time.monotonic() >= self._drain_ends:
                self.should_exit = True
        return await super().on_tick(counter)
