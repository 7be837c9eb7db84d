"""A throwaway PgBouncer in transaction-pooling mode, the way Neon's pooled endpoint runs."""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.live_service import free_port

STARTUP_DEADLINE_SECONDS = 15
START_ATTEMPTS = 3


class PgBouncerExitedError(RuntimeError):
    """PgBouncer ended before it answered: its port was taken, or its configuration is bad."""


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")


@dataclass(frozen=True)
class PgBouncer:
    host: str
    port: int

    def sqlalchemy_url(self, user: str, dbname: str, sslmode: str = "disable") -> str:
        return f"postgresql+psycopg://{user}@{self.host}:{self.port}/{dbname}?sslmode={sslmode}"


@contextmanager
def running_pgbouncer(
    binary: str, server_host: str, server_port: int, user: str, *, pool_size: int = 10
) -> Iterator[PgBouncer]:
    """PgBouncer on a free port in front of the server; clients may use TLS (self-signed)."""
    workdir = Path(tempfile.mkdtemp(prefix="todo-pgbouncer-"))
    try:
        _write_certificate(workdir)
        (workdir / "userlist.txt").write_text(f'"{user}" ""\n')
        process, port = _started(binary, workdir, server_host, server_port, user, pool_size)
        try:
            yield PgBouncer("127.0.0.1", port)
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _started(
    binary: str, workdir: Path, server_host: str, server_port: int, user: str, pool_size: int
) -> "tuple[subprocess.Popen[bytes], int]":
    """A PgBouncer answering on a free port; another port if a parallel test took that one."""
    for _ in range(START_ATTEMPTS - 1):
        try:
            return _answering(binary, workdir, server_host, server_port, user, pool_size)
        except PgBouncerExitedError:
            continue
    return _answering(binary, workdir, server_host, server_port, user, pool_size)


def _answering(
    binary: str, workdir: Path, server_host: str, server_port: int, user: str, pool_size: int
) -> "tuple[subprocess.Popen[bytes], int]":
    port = free_port()
    _write_config(workdir, server_host, server_port, user, pool_size, port)
    process = _start(binary, workdir)
    try:
        _wait_until_answering(process, port, user, workdir)
    except RuntimeError:
        process.terminate()
        process.wait(timeout=10)
        raise
    return process, port


def _write_config(
    workdir: Path, server_host: str, server_port: int, user: str, pool_size: int, port: int
) -> None:
    (workdir / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={server_host} port={server_port}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {workdir / 'userlist.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {pool_size}",
                "max_client_conn = 200",
                f"logfile = {workdir / 'pgbouncer.log'}",
                "client_tls_sslmode = allow",
                f"client_tls_key_file = {workdir / 'server.key'}",
                f"client_tls_cert_file = {workdir / 'server.crt'}",
                "",
            ]
        )
    )


def _start(binary: str, workdir: Path) -> "subprocess.Popen[bytes]":
    # PgBouncer refuses to run as root; hand it to the postgres account then.
    as_root = os.geteuid() == 0
    if as_root:
        for path in [workdir, *workdir.iterdir()]:
            shutil.chown(path, "postgres")
    return subprocess.Popen(  # noqa: S603 - a fixed binary on our own config
        [binary, str(workdir / "pgbouncer.ini")],
        user="postgres" if as_root else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until_answering(
    process: "subprocess.Popen[bytes]", port: int, user: str, workdir: Path
) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while True:
        try:
            conninfo = f"host=127.0.0.1 port={port} user={user} dbname=postgres sslmode=disable"
            psycopg.connect(conninfo, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if process.poll() is not None:
                raise PgBouncerExitedError(f"PgBouncer exited:\n{_log(workdir)}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"PgBouncer did not start:\n{_log(workdir)}") from None
            time.sleep(0.1)


def _log(workdir: Path) -> str:
    log = workdir / "pgbouncer.log"
    return log.read_text() if log.exists() else "(no log)"


def _write_certificate(workdir: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (workdir / "server.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (workdir / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (workdir / "server.key").chmod(0o600)
