"""The wheel, installed beside a host project that is itself a hexagon (ADR 0014).

The host has its own `domain`, `application` and `adapters` packages and PyPI's
`entrypoints`; with its folder first on `sys.path`, both sides must import what they
expect, and the README's in-process examples must run there as written.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_readme_examples import configuration_table, python_blocks

ROOT = Path(__file__).parents[2]
ROOMS = ("domain", "application", "adapters", "entrypoints")
NOT_SOURCES = (".*", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", "*.db")

HOST_CHECK = """
import entrypoints, domain, application, adapters

# The host's own packages, not ours.
assert domain.HOST_PACKAGE == "domain", domain.__file__
assert application.HOST_PACKAGE == "application", application.__file__
assert adapters.HOST_PACKAGE == "adapters", adapters.__file__
# PyPI's entrypoints, with its own API.
assert entrypoints.__version__.startswith("0.4"), entrypoints.__file__
assert callable(entrypoints.get_group_all)

import todo_service.domain
assert "site-packages" in todo_service.domain.__file__, todo_service.domain.__file__
print("host ok")
"""


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - fixed commands on files this test wrote
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        # A clean environment: the host's settings, not the test run's, are what it sees.
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},  # noqa: S108
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "todo"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source)
    (built,) = dist.glob("todo_service-*.whl")
    return built


def test_the_wheel_adds_exactly_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
        names = set(archive.namelist())
    assert {top for top in tops if not top.endswith(".dist-info")} == {"todo_service"}
    for room in ROOMS:
        assert f"todo_service/{room}/__init__.py" in names
    assert "todo_service/py.typed" in names
    assert "todo_service/adapters/sql/migrations/script.py.mako" in names


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and PyPI's `entrypoints` installed."""
    venv = tmp_path_factory.mktemp("host") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet",
         wheel, "entrypoints>=0.4,<0.5")  # fmt: skip
    return venv


def test_a_host_hexagon_and_the_service_import_what_they_expect(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"

    host = tmp_path / "host"
    for package in ("domain", "application", "adapters"):
        (host / package).mkdir(parents=True)
        (host / package / "__init__.py").write_text(f"HOST_PACKAGE = {package!r}\n")
    (host / "check_host.py").write_text(HOST_CHECK)
    assert _run(python, "check_host.py", cwd=host).strip() == "host ok"

    for number, block in enumerate(python_blocks()):
        example = host / f"readme_example_{number}.py"
        example.write_text("import domain, application, adapters, entrypoints\n" + block)
        _run(python, example, cwd=host)


def test_the_installed_command_lists_every_setting_of_the_readmes_table(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "--quiet",
        wheel,
    )
    listed = _run(venv / "bin" / "todo", "serve", "--help", cwd=tmp_path)
    for variable in configuration_table():
        assert f"  {variable} " in listed, variable
