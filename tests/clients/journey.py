"""The journey both generated clients take, and what each must report having seen.

Create three todos, list the high-priority ones by title, move the last to the start
of the list, list them in that order and follow the moved one's `url`. Read the first
one created (and again with its ETag in If-None-Match), change it with If-Match (and
again with the stale tag), toggle it, delete it with If-Match, and read it once more:
a 404, parsed as a Problem. Last, mark the high-priority ones done, clear the completed
ones, and list what is left.
"""

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.live_service import ServiceProcess, auth_for

JOURNEY_TIMEOUT_SECONDS = 60
TRANSCRIPT: dict[str, Any] = {
    "created": ["Buy milk", "high", 1],
    "listed": [["Answer mail", "Buy milk"], 2],
    "moved": ["Call the bank", 2, "{base}/api/todos/{id}"],
    "in_order": ["Call the bank", "Buy milk", "Answer mail"],
    "followed": [200, "Call the bank"],
    "got": [200, '"1"', "Buy milk"],
    "not_modified": [304, '"1"'],
    "patched": ["Oat, 2 litres", 2],
    "stale": [412, 412, "Precondition Failed"],
    "toggled": [True, 3],
    "deleted": 204,
    "missing": [404, 404, "Not Found"],
    # Only "Answer mail": "Buy milk", high and done too, is already deleted.
    "marked_done": 1,
    "cleared": 1,
    "left": ["Call the bank"],
}


def take_journey(
    command: Sequence[str | Path],
    service: ServiceProcess,
    subject: str,
    cwd: Path,
    **environment: str,
) -> dict[str, Any]:
    """Run a client's journey as `subject` against `service`; the transcript it printed."""
    token = auth_for(subject)["Authorization"].removeprefix("Bearer ")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/"),
        "TODO_BASE_URL": service.base_url,
        "TODO_TOKEN": token,
        **environment,
    }
    done = subprocess.run(  # noqa: S603 - our own journey script, run by a pinned tool
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=JOURNEY_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"the journey failed:\n{done.stderr}\n{service.log()}"
    transcript: dict[str, Any] = json.loads(done.stdout)
    return transcript
