import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.jwt.jwks_server import JwksServer
from tests.integration.jwt.tls import make_tls
from tests.jwt_factories import SigningKey, make_ec_key, make_ed25519_key, make_rsa_key


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return make_rsa_key()


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return make_ec_key()


@pytest.fixture(scope="session")
def ed25519_key() -> SigningKey:
    return make_ed25519_key()


@pytest.fixture
def jwks_server(
    rsa_key: SigningKey, ec_key: SigningKey, ed25519_key: SigningKey
) -> Iterator[JwksServer]:
    server = JwksServer()
    server.publish(rsa_key, ec_key, ed25519_key)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_jwks_server(
    tls: tuple[Path, ssl.SSLContext],
    monkeypatch: pytest.MonkeyPatch,
    rsa_key: SigningKey,
    ec_key: SigningKey,
    ed25519_key: SigningKey,
) -> Iterator[JwksServer]:
    """The fake provider over https, its certificate trusted by this process's clients."""
    ca_file, context = tls
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    server = JwksServer(tls=context)
    server.publish(rsa_key, ec_key, ed25519_key)
    server.start()
    yield server
    server.stop()
