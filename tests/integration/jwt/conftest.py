from collections.abc import Iterator

import pytest

from tests.integration.jwt.jwks_server import JwksServer
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
