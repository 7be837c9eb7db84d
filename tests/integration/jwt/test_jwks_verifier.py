from typing import Any

import pytest
from jwt.warnings import InsecureKeyLengthWarning

from tests.integration.jwt.jwks_server import JwksServer, silent_endpoint
from tests.jwt_factories import (
    PROVIDER,
    SigningKey,
    hmac_signed_by_hand,
    make_ed25519_key,
    make_rsa_key,
    provider_claims,
    unsigned_token,
)
from todo_service.adapters.jwt import JwtConfig, PyJwtTokenVerifier
from todo_service.application.errors import AuthenticationUnavailableError, InvalidTokenError

ISSUER = "https://auth.example.com"


def verifier_for(url: str, **settings: Any) -> PyJwtTokenVerifier:
    return PyJwtTokenVerifier(JwtConfig(jwks_url=url, **{**PROVIDER, **settings}))


@pytest.fixture
def sut(jwks_server: JwksServer) -> PyJwtTokenVerifier:
    return verifier_for(jwks_server.url, jwks_refetch_cooldown_seconds=0)


@pytest.mark.parametrize("key_name", ["rsa_key", "ec_key", "ed25519_key"])
def test_a_token_signed_by_a_published_key_is_accepted(
    sut: PyJwtTokenVerifier, key_name: str, request: pytest.FixtureRequest
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    token = key.sign(provider_claims(email="a@example.com", name="Alice"))
    claims = sut.verify(token)
    assert (claims.subject, claims.email, claims.name) == ("alice", "a@example.com", "Alice")
    assert claims.expires_at is not None


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": 253_402_300_800}, id="exp after 9999-12-31"),
        pytest.param({"exp": 1e300}, id="exp 1e300"),
        pytest.param({"nbf": -62_135_596_801}, id="nbf before year 1"),
        pytest.param({"iat": -62_135_596_801}, id="iat before year 1"),
    ],
)
def test_a_signed_token_with_a_time_claim_no_datetime_can_hold_is_refused_as_bad_claims(
    sut: PyJwtTokenVerifier, ed25519_key: SigningKey, claims: dict[str, Any]
) -> None:
    # Only InvalidTokenError may leave the verifier: anything else would be a 500.
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(ed25519_key.sign(provider_claims(**claims)))
    assert refused.value.reason == "bad_claims"


def test_the_key_set_is_fetched_once_and_then_served_from_the_cache(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    for key in (rsa_key, ec_key, rsa_key):
        sut.verify(key.sign(provider_claims()))
    assert jwks_server.fetches == 1


def test_the_configured_issuer_is_checked_for_provider_tokens(
    jwks_server: JwksServer, ed25519_key: SigningKey
) -> None:
    sut = verifier_for(jwks_server.url, issuer=ISSUER, audience=ISSUER)
    assert sut.verify(ed25519_key.sign(provider_claims(iss=ISSUER, aud=ISSUER))).subject == "alice"
    with pytest.raises(InvalidTokenError):
        sut.verify(ed25519_key.sign(provider_claims(iss="https://evil.example.com", aud=ISSUER)))


def test_a_rotated_in_key_is_fetched_when_a_token_names_its_kid(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, rsa_key: SigningKey
) -> None:
    sut.verify(rsa_key.sign(provider_claims()))
    new_key = make_ed25519_key(kid="ed-2")
    jwks_server.publish(rsa_key, new_key)
    assert sut.verify(new_key.sign(provider_claims(sub="bob"))).subject == "bob"
    assert jwks_server.fetches == 2


def test_within_the_refetch_cooldown_an_unknown_kid_is_refused_without_a_fetch(
    jwks_server: JwksServer, rsa_key: SigningKey
) -> None:
    sut = verifier_for(jwks_server.url, jwks_refetch_cooldown_seconds=60)
    sut.verify(rsa_key.sign(provider_claims()))
    new_key = make_ed25519_key(kid="ed-2")
    jwks_server.publish(rsa_key, new_key)
    for _ in range(3):
        with pytest.raises(InvalidTokenError):
            sut.verify(new_key.sign(provider_claims()))
    assert jwks_server.fetches == 1


def test_a_kid_missing_from_a_key_set_just_fetched_is_an_invalid_token_without_a_refetch(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer
) -> None:
    stranger = make_ed25519_key(kid="not-published")
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(stranger.sign(provider_claims()))
    assert jwks_server.fetches == 1
    assert refused.value.reason == "unknown_key"


@pytest.mark.parametrize(
    "kid",
    ['ed-1"', "ed-1\r\nSet-Cookie: a=1", "ed-1\n", "ed-1\x00", "", "k" * 257],
)
def test_a_kid_with_quotes_line_breaks_or_odd_sizes_is_refused(
    sut: PyJwtTokenVerifier, ed25519_key: SigningKey, kid: str
) -> None:
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(ed25519_key.sign(provider_claims(), kid=kid))
    assert str(refused.value) == "Invalid or expired token"


def test_a_token_without_a_kid_is_refused_without_a_fetch(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, ed25519_key: SigningKey
) -> None:
    with pytest.raises(InvalidTokenError):
        sut.verify(ed25519_key.sign(provider_claims(), kid=None))
    assert jwks_server.fetches == 0


def test_an_hs256_token_signed_with_the_public_key_as_secret_is_refused(
    sut: PyJwtTokenVerifier, jwks_server: JwksServer, rsa_key: SigningKey
) -> None:
    for secret in (rsa_key.public_pem, rsa_key.public_pem.strip()):
        forged = hmac_signed_by_hand(provider_claims(), secret, kid=rsa_key.kid)
        with pytest.raises(InvalidTokenError):
            sut.verify(forged)
    assert jwks_server.fetches == 0


def test_a_token_whose_alg_differs_from_its_keys_is_refused(
    sut: PyJwtTokenVerifier, rsa_key: SigningKey, ed25519_key: SigningKey
) -> None:
    # Signed by the Ed25519 key but naming the RSA key's kid.
    with pytest.raises(InvalidTokenError):
        sut.verify(ed25519_key.sign(provider_claims(), kid=rsa_key.kid))


def test_an_unsigned_token_naming_a_published_kid_is_refused(
    sut: PyJwtTokenVerifier, rsa_key: SigningKey
) -> None:
    with pytest.raises(InvalidTokenError):
        sut.verify(unsigned_token(provider_claims(), kid=rsa_key.kid))


def test_an_algorithm_left_out_of_the_configuration_is_refused(
    jwks_server: JwksServer, rsa_key: SigningKey, ed25519_key: SigningKey
) -> None:
    sut = verifier_for(jwks_server.url, algorithms=("EdDSA",))
    assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"
    with pytest.raises(InvalidTokenError):
        sut.verify(rsa_key.sign(provider_claims()))


def test_a_published_rsa_key_under_2048_bits_is_not_trusted(jwks_server: JwksServer) -> None:
    weak = make_rsa_key(kid="weak", key_size=1024)
    jwks_server.publish(weak)
    with pytest.warns(InsecureKeyLengthWarning):
        token = weak.sign(provider_claims())
    with pytest.raises(InvalidTokenError):
        verifier_for(jwks_server.url).verify(token)


def test_a_stopped_jwks_endpoint_makes_authentication_unavailable(
    jwks_server: JwksServer, ed25519_key: SigningKey
) -> None:
    sut = verifier_for(jwks_server.url)
    jwks_server.stop()
    with pytest.raises(AuthenticationUnavailableError):
        sut.verify(ed25519_key.sign(provider_claims()))


def test_a_jwks_endpoint_that_never_answers_times_out_as_unavailable(
    ed25519_key: SigningKey,
) -> None:
    with silent_endpoint() as url:
        sut = verifier_for(url, jwks_timeout_seconds=0.2)
        with pytest.raises(AuthenticationUnavailableError):
            sut.verify(ed25519_key.sign(provider_claims()))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(500, b'{"error": "down"}', id="server error"),
        pytest.param(200, b"<html>maintenance</html>", id="not JSON"),
        pytest.param(200, b'{"keys": [{"kty": "RSA"', id="cut short"),
        pytest.param(200, b"[1, 2]", id="not an object"),
        pytest.param(200, b'{"keys": []}', id="no keys"),
        pytest.param(200, b'{"keys": [{"kty": "nope", "kid": "x"}]}', id="no usable key"),
        pytest.param(200, b"[" * 100_000, id="deeply nested"),
    ],
)
def test_a_jwks_endpoint_answering_nonsense_makes_authentication_unavailable(
    jwks_server: JwksServer, ed25519_key: SigningKey, status: int, body: bytes
) -> None:
    jwks_server.status, jwks_server.body = status, body
    with pytest.raises(AuthenticationUnavailableError):
        verifier_for(jwks_server.url).verify(ed25519_key.sign(provider_claims()))


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"SSH-2.0-OpenSSH_9.6\r\n", id="not HTTP"),
        pytest.param(b"HTTP/1.1 200 OK\r\n" + b"X-Many: y\r\n" * 101 + b"\r\n", id="101 headers"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nX-Long: " + b"y" * 70_000 + b"\r\n\r\n", id="a long line"
        ),
    ],
)
def test_a_jwks_endpoint_answering_other_than_http_makes_authentication_unavailable(
    jwks_server: JwksServer, ed25519_key: SigningKey, answer: bytes
) -> None:
    # http.client's refusals are no OSError: one escaping the fetch ended its thread.
    jwks_server.raw_answer = answer
    with pytest.raises(AuthenticationUnavailableError):
        verifier_for(jwks_server.url).verify(ed25519_key.sign(provider_claims()))


def test_the_cached_keys_keep_working_while_the_endpoint_is_down(
    jwks_server: JwksServer, ed25519_key: SigningKey
) -> None:
    sut = verifier_for(jwks_server.url)
    sut.verify(ed25519_key.sign(provider_claims()))
    jwks_server.stop()
    assert sut.verify(ed25519_key.sign(provider_claims(sub="bob"))).subject == "bob"


def test_a_key_published_under_its_rfc_9864_name_ed25519_is_used(
    jwks_server: JwksServer, ed25519_key: SigningKey
) -> None:
    jwks_server.publish_document({"keys": [{**ed25519_key.public_jwk, "alg": "Ed25519"}]})
    sut = verifier_for(jwks_server.url)
    assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"


def test_keys_for_encryption_without_a_kid_or_of_an_algorithm_not_allowed_are_skipped(
    jwks_server: JwksServer, rsa_key: SigningKey, ed25519_key: SigningKey
) -> None:
    jwks_server.publish_document(
        {
            "keys": [
                {**rsa_key.public_jwk, "use": "enc"},
                {**ed25519_key.public_jwk, "kid": None},
                {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
                {**ed25519_key.public_jwk, "kid": "ed-1", "use": None},
            ]
        }
    )
    sut = verifier_for(jwks_server.url)
    with pytest.raises(InvalidTokenError):
        sut.verify(rsa_key.sign(provider_claims()))
    # A key without `use` (Better Auth publishes none) is a signing key.
    assert sut.verify(ed25519_key.sign(provider_claims())).subject == "alice"
