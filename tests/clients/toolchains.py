"""The client generators and what they make, built once into a git-ignored cache.

The cache works as tests/support/tool_cache.py says: folders named after a digest of
their inputs (the pinned tools, the OpenAPI document, the program), rebuilt only when
an input changes, one lock per kind so parallel workers never build one thing twice.
"""

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.support.tool_cache import cached, digest, npm_packages, run, run_tool

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
PYTHON_REQUIREMENTS = HERE / "python-requirements.txt"
TYPESCRIPT = HERE / "typescript"
PROGRAM_INPUTS = ("journey.ts", "tsconfig.json")
# The generator's default hooks run ruff over its output, which would read our own
# ruff settings here; the tests never read the generated code, so nothing is run.
PYTHON_GENERATOR_CONFIG = "post_hooks: []\n"
# The prefix of every skip for a missing tool; tests/conftest.py closes the run with a note.
CLIENT_TOOLS_MISSING = "the client generators could not be installed"
BUILD_TIMEOUT_SECONDS = 120


class BuildFailedError(AssertionError):
    """A generator or the compiler refused what it was given: the test's failure."""


def python_generator() -> Path:
    """The bin folder of a venv holding openapi-python-client and what its clients need."""

    def install(folder: Path) -> None:
        run_tool([sys.executable, "-m", "venv", folder / "venv"], cwd=folder)
        pip = folder / "venv" / "bin" / "pip"
        run_tool(
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

    key = digest(PYTHON_REQUIREMENTS.read_bytes(), sys.version.encode())
    return cached(CACHE, "python-tools", key, install) / "venv" / "bin"


def node_packages() -> Path:
    """A folder whose node_modules hold openapi-typescript, openapi-fetch and tsc."""
    return npm_packages(CACHE, TYPESCRIPT)


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

    key = digest(openapi, PYTHON_REQUIREMENTS.read_bytes())
    return cached(CACHE, "python-client", key, generate)


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
    key = digest(openapi, *inputs)
    return cached(CACHE, "program", key, build, parent=packages) / "build" / "journey.js"


def _run_build(command: Sequence[str | Path], cwd: Path) -> str:
    try:
        return run(command, cwd, BUILD_TIMEOUT_SECONDS)
    except subprocess.CalledProcessError as error:
        raise BuildFailedError(f"{Path(command[0]).name} failed:\n{error.output}") from None
