"""Tools the tests install from a registry once, into a git-ignored cache folder of their own.

Every folder in a cache is named after a digest of what went into it (the pinned
packages, the program), so a run reuses what an earlier run built from the same inputs
and rebuilds, pruning the old one, when an input changes. A lock per kind of folder
keeps parallel test workers from building one thing twice, and lets them build
different kinds at the same time. Nothing is ever installed globally.
"""

import fcntl
import hashlib
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

NPM_INPUTS = ("package.json", "package-lock.json")
INSTALL_TIMEOUT_SECONDS = 600


class ToolsUnavailableError(RuntimeError):
    """A tool could not be installed: no npm or node, or no registry."""


def npm_packages(cache: Path, source: Path) -> Path:
    """A folder of `cache` whose node_modules hold what `source`'s package-lock.json pins.

    `npm ci` installs exactly the lock file, with no install scripts run.
    """
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise ToolsUnavailableError("npm or node is not installed (apt-get install -y npm)")

    def install(folder: Path) -> None:
        for name in NPM_INPUTS:
            shutil.copy(source / name, folder / name)
        run_tool(
            [
                "npm",
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--fetch-retries=1",
                "--fetch-timeout=30000",
            ],
            cwd=folder,
        )

    key = digest(*((source / name).read_bytes() for name in NPM_INPUTS))
    return cached(cache, "node-packages", key, install)


def cached(
    cache: Path,
    kind: str,
    key: str,
    build: Callable[[Path], None],
    parent: Path | None = None,
) -> Path:
    """`parent/kind-key` (parent: `cache`), built by `build` unless a finished one is there."""
    parent = cache if parent is None else parent
    folder = parent / f"{kind}-{key}"
    finished = folder / ".finished"
    with _locked(cache, kind):
        if not finished.exists():
            for stale in parent.glob(f"{kind}-*"):
                shutil.rmtree(stale)
            folder.mkdir(parents=True)
            build(folder)
            finished.touch()
    return folder


@contextmanager
def _locked(cache: Path, kind: str) -> Iterator[None]:
    cache.mkdir(exist_ok=True)
    # Git ignores the cache; this keeps ruff out of it in a checkout without .git too.
    (cache / "ruff.toml").write_text('exclude = ["*"]\n')
    with (cache / f".{kind}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def run_tool(command: Sequence[str | Path], cwd: Path) -> None:
    """Run an installer; its failure means the tool is not to be had here (a skip)."""
    try:
        run(command, cwd, INSTALL_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError) as error:
        raise ToolsUnavailableError(_last_line(error)) from error


def run(command: Sequence[str | Path], cwd: Path, timeout: int) -> str:
    """What the command printed (stdout and stderr); CalledProcessError when it failed."""
    done = subprocess.run(  # noqa: S603 - pinned tools from our own cache, fixed arguments
        [str(part) for part in command],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout


def _last_line(error: BaseException) -> str:
    """An installer's first word about its error, on one line, for the skip's reason.

    The first: npm and pip name the cause (ECONNREFUSED, no matching version) before
    the stack trace and the pointer to their logs.
    """
    said = getattr(error, "output", None) or str(error)
    lines = [line.strip() for line in str(said).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines or [repr(error)]
    command = getattr(error, "cmd", None)
    name = Path(str(command[0])).name if isinstance(command, list) else "a tool"
    return f"{name}: {errors[0]}"
