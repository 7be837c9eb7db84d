"""The client generators and what they make, built once into a git-ignored cache.

Every folder in the cache is named after a digest of what went into it (the pinned
tools, the OpenAPI document, the program), so a run reuses what an earlier run built
from the same inputs and rebuilds, pruning the old one, when an input changes. A lock
per kind of folder keeps parallel test workers from building one thing twice, and lets
them install the Python and the Node tools at the same time.
"""

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
PYTHON_REQUIREMENTS = HERE / "python-requirements.txt"
TYPESCRIPT = HERE / "typescript"
TYPESCRIPT_INPUTS = ("package.json", "package-lock.json")
PROGRAM_INPUTS = ("journey.ts", "tsconfig.json")
# The generator's default hooks run ruff over its output, which would read our own
# ruff settings here; the tests never read the generated code, so nothing is run.
PYTHON_GENERATOR_CONFIG = "post_hooks: []\n"
# The prefix of every skip for a missing tool; tests/conftest.py closes the run with a note.
CLIENT_TOOLS_MISSING = "the client generators could not be installed"
INSTALL_TIMEOUT_SECONDS = 600
BUILD_TIMEOUT_SECONDS = 120


class ToolsUnavailableError(RuntimeError):
    """A generator or the compiler could not be installed: no npm, or no registry."""


class BuildFailedError(AssertionError):
    """A generator or the compiler refused what it was given: the test's failure."""


def python_generator() -> Path:
    """The bin folder of a venv holding openapi-python-client and what its clients need."""

    def install(folder: Path) -> None:
        _run_tool([sys.executable, "-m", "venv", folder / "venv"], cwd=folder)
        pip = folder / "venv" / "bin" / "pip"
        _run_tool(
            [
                pip,
                "install",
                "--quiet",
                "--timeout",
                "30",
                "--retries",
                "1",
                "--requirement",
                PYTHON_REQUIREMENTS,
            ],
            cwd=folder,
        )

    key = _digest(PYTHON_REQUIREMENTS.read_bytes(), sys.version.encode())
    return _cached(CACHE, "python-tools", key, install) / "venv" / "bin"


def node_packages() -> Path:
    """A folder whose node_modules hold openapi-typescript, openapi-fetch and tsc."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise ToolsUnavailableError("npm or node is not installed (apt-get install -y npm)")

    def install(folder: Path) -> None:
        for name in TYPESCRIPT_INPUTS:
            shutil.copy(TYPESCRIPT / name, folder / name)
        _run_tool(
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

    key = _digest(*((TYPESCRIPT / name).read_bytes() for name in TYPESCRIPT_INPUTS))
    return _cached(CACHE, "node-tools", key, install)


def python_client(generator: Path, openapi: bytes) -> Path:
    """A folder holding the package `todo_client`, generated from `openapi`."""

    def generate(folder: Path) -> None:
        (folder / "openapi.json").write_bytes(openapi)
        (folder / "config.yaml").write_text(PYTHON_GENERATOR_CONFIG)
        said = _run_build(
            [
                generator / "openapi-python-client",
                "generate",
                "--path",
                "openapi.json",
                "--meta",
                "none",
                "--output-path",
                "todo_client",
                "--config",
                "config.yaml",
            ],
            cwd=folder,
        )
        # It warns, and still succeeds, when it has to leave out part of the document.
        if "warning" in said.lower():
            raise BuildFailedError(f"openapi-python-client left something out:\n{said}")

    key = _digest(openapi, PYTHON_REQUIREMENTS.read_bytes())
    return _cached(CACHE, "python-client", key, generate)


def typescript_program(packages: Path, openapi: bytes) -> Path:
    """journey.ts compiled by `tsc` (strict) against types generated from `openapi`.

    Built next to node_modules, where Node and tsc look for them; rebuilt only when the
    document, the program, its tsconfig or the pinned packages change, since the same
    inputs compile to the same output.
    """
    bin_folder = packages / "node_modules" / ".bin"

    def build(folder: Path) -> None:
        (folder / "openapi.json").write_bytes(openapi)
        for name in PROGRAM_INPUTS:
            shutil.copy(TYPESCRIPT / name, folder / name)
        (folder / "package.json").write_text(json.dumps({"type": "module", "private": True}))
        # A property with a default is optional in a request: the generator's default
        # would make `completed` a required field of a new todo.
        _run_build(
            [
                bin_folder / "openapi-typescript",
                "openapi.json",
                "--output",
                "schema.d.ts",
                "--default-non-nullable=false",
            ],
            cwd=folder,
        )
        _run_build([bin_folder / "tsc", "--project", "tsconfig.json", "--strict"], cwd=folder)

    inputs = [(TYPESCRIPT / name).read_bytes() for name in PROGRAM_INPUTS]
    key = _digest(openapi, *inputs)
    return _cached(packages, "program", key, build) / "build" / "journey.js"


def _cached(parent: Path, kind: str, key: str, build: Callable[[Path], None]) -> Path:
    """`parent/kind-key`, built by `build` unless a finished one is there already."""
    folder = parent / f"{kind}-{key}"
    finished = folder / ".finished"
    with _locked(kind):
        if not finished.exists():
            for stale in parent.glob(f"{kind}-*"):
                shutil.rmtree(stale)
            folder.mkdir(parents=True)
            build(folder)
            finished.touch()
    return folder


@contextmanager
def _locked(kind: str) -> Iterator[None]:
    CACHE.mkdir(exist_ok=True)
    # Git ignores the cache; this keeps ruff out of it in a checkout without .git too.
    (CACHE / "ruff.toml").write_text('exclude = ["*"]\n')
    with (CACHE / f".{kind}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _run_tool(command: Sequence[str | Path], cwd: Path) -> None:
    try:
        _run(command, cwd, INSTALL_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError) as error:
        raise ToolsUnavailableError(_last_line(error)) from error


def _run_build(command: Sequence[str | Path], cwd: Path) -> str:
    try:
        return _run(command, cwd, BUILD_TIMEOUT_SECONDS)
    except subprocess.CalledProcessError as error:
        raise BuildFailedError(f"{Path(command[0]).name} failed:\n{error.output}") from None


def _run(command: Sequence[str | Path], cwd: Path, timeout: int) -> str:
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
    """What an installer said last about its error, on one line, for the skip's reason."""
    said = getattr(error, "output", None) or str(error)
    lines = [line.strip() for line in str(said).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines or [repr(error)]
    command = getattr(error, "cmd", None)
    name = Path(str(command[0])).name if isinstance(command, list) else "a tool"
    return f"{name}: {errors[-1]}"
