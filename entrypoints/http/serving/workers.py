import logging
import os
import queue
import signal
import socket
import sys
from contextlib import suppress
from functools import partial
from multiprocessing.context import SpawnProcess

import uvicorn
from uvicorn._subprocess import get_subprocess
from uvicorn.config import STARTUP_FAILURE

from todo_service.entrypoints.http.serving.draining import DrainingServer

log = logging.getLogger("todo.serve")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How often the parent looks for a worker that died, between signals.
WATCH_INTERVAL_SECONDS = 0.5


def serve_until_stopped(config: uvicorn.Config, drain_seconds: float) -> None:
    """Serve `config` in this process, or in `config.workers` processes, until stopped."""
    if config.workers == 1:
        server = DrainingServer(config, drain_seconds)
        with suppress(KeyboardInterrupt):  # Ctrl+C, raised again once the server stopped
            server.run()
        if not server.started:
            sys.exit(STARTUP_FAILURE)
    else:
        Workers(config, drain_seconds).run()


def _serve_in_worker(
    config: uvicorn.Config, drain_seconds: float, sockets: list[socket.socket]
) -> None:
    # A process group of its own: Ctrl+C in a terminal reaches the parent alone, which
    # passes it on, rather than each worker twice (the second time stopping it at once).
    os.setpgid(0, 0)
    with suppress(KeyboardInterrupt):
        DrainingServer(config, drain_seconds).run(sockets)


class Workers:
    """The parent of several worker processes on one listening socket.

    uvicorn's own supervisor runs its plain server in each worker, and once told to stop
    it waits for them deaf to any further signal. This one runs `DrainingServer`s and
    passes the signal to stop on as it came: SIGTERM lets every worker drain, SIGINT
    stops them without; a second signal, of either kind, kills them all at once. Until then, a
    worker that dies is replaced; one that failed to start stops them all, since its
    replacement would fail the same way.
    """

    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        self._config = config
        self._target = partial(_serve_in_worker, config, drain_seconds)
        self._signals: queue.SimpleQueue[int] = queue.SimpleQueue()

    def run(self) -> None:
        listener = self._config.bind_socket()
        for number in STOP_SIGNALS:
            # SimpleQueue.put may be called from a signal handler (it is reentrant).
            signal.signal(number, lambda received, _: self._signals.put(received))
        log.info(f"Started parent process [{os.getpid()}]")
        workers = [self._start(listener) for _ in range(self._config.workers)]
        failed = False
        stopping = False
        while any(worker.is_alive() for worker in workers):
            try:
                received = self._signals.get(timeout=WATCH_INTERVAL_SECONDS)
            except queue.Empty:
                pass
            else:
                # The first signal is passed on; a second one stops the workers at once.
                self._pass_on(signal.SIGKILL if stopping else received, workers)
                stopping = True
                continue
            if not stopping:
                failed = self._replace_the_dead(workers, listener)
                if failed:
                    stopping = True
                    self._pass_on(signal.SIGINT, workers)
        listener.close()
        log.info(f"Stopped parent process [{os.getpid()}]")
        if failed:
            sys.exit(STARTUP_FAILURE)

    def _start(self, listener: socket.socket) -> SpawnProcess:
        worker = get_subprocess(self._config, self._target, [listener])
        worker.start()
        return worker

    def _pass_on(self, received: int, workers: list[SpawnProcess]) -> None:
        for worker in workers:
            if worker.pid is not None and worker.is_alive():
                os.kill(worker.pid, received)

    def _replace_the_dead(self, workers: list[SpawnProcess], listener: socket.socket) -> bool:
        """Start a worker in the place of each that died; True if one failed to start."""
        for index, worker in enumerate(workers):
            if worker.exitcode is None:
                continue
            if worker.exitcode == STARTUP_FAILURE:
                log.error(f"Worker [{worker.pid}] failed to start; stopping the others")
                return True
            log.warning(f"Worker [{worker.pid}] died (exit status {worker.exitcode}); replaced")
            workers[index] = self._start(listener)
        return False
