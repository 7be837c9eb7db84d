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
        port = free_port()
        _write_certificate(workdir)
        (workdir / "userlist.txt").write_text(f'"{user}" ""\n')
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
        process = _start(binary, workdir)
        try:
            _wait_until_answering(process, port, user, workdir)
            yield PgBouncer("127.0.0.1", port)
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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
            log = workdir / "pgbouncer.log"
            if process.poll() is not None or time.monotonic() > deadline:
                text = log.read_text() if log.exists() else "(no log)"
                raise RuntimeError(f"PgBouncer did not start:\n{text}") from None
            time.sleep(0.1)


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
