from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.jwt_factories import (
    OMIT,
    SECRET,
    hmac_signed_by_hand,
    in_seconds,
    make_claims,
    sign_with_secret,
    unsigned_token,
)
from todo_service.adapters.jwt import JwtConfig, PyJwtTokenVerifier, mint_token
from todo_service.application import VerifiedClaims
from todo_service.application.errors import InvalidTokenError

ISSUER = "https://auth.example.com"
AUDIENCE = "todo-api"


@pytest.fixture
def sut() -> PyJwtTokenVerifier:
    return PyJwtTokenVerifier(JwtConfig(secret=SECRET))


@pytest.fixture
def strict_sut() -> PyJwtTokenVerifier:
    return PyJwtTokenVerifier(JwtConfig(secret=SECRET, issuer=ISSUER, audience=AUDIENCE))


def test_a_minted_token_gives_back_its_subject_email_name_and_expiry(
    sut: PyJwtTokenVerifier,
) -> None:
    issued = datetime.now(UTC).replace(microsecond=0)  # NumericDate is whole seconds
    token = mint_token(
        SECRET, "alice", email="a@example.com", name="Alice", ttl_seconds=60, now=issued
    )
    assert sut.verify(token) == VerifiedClaims(
        "alice", email="a@example.com", name="Alice", expires_at=issued + timedelta(seconds=60)
    )


def test_email_and_name_are_optional_and_taken_only_when_they_are_strings(
    sut: PyJwtTokenVerifier,
) -> None:
    assert sut.verify(sign_with_secret(make_claims())).subject == "alice"
    token = sign_with_secret(make_claims(email=["a@example.com"], name={"first": "A"}))
    claims = sut.verify(token)
    assert (claims.subject, claims.email, claims.name) == ("alice", None, None)


def test_a_token_with_the_configured_issuer_and_audience_is_accepted(
    strict_sut: PyJwtTokenVerifier,
) -> None:
    token = mint_token(SECRET, "alice", issuer=ISSUER, audience=AUDIENCE)
    assert strict_sut.verify(token).subject == "alice"


def test_an_audience_in_the_token_is_ignored_when_none_is_configured(
    sut: PyJwtTokenVerifier,
) -> None:
    assert sut.verify(mint_token(SECRET, "alice", audience="someone-else")).subject == "alice"


def test_a_token_expired_within_the_leeway_is_still_accepted(sut: PyJwtTokenVerifier) -> None:
    assert sut.verify(sign_with_secret(make_claims(exp=in_seconds(-3)))).subject == "alice"


def test_minting_at_a_given_instant_sets_issued_at_and_expiry() -> None:
    sut = PyJwtTokenVerifier(JwtConfig(secret=SECRET, leeway_seconds=0))
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    with pytest.raises(InvalidTokenError):
        sut.verify(mint_token(SECRET, "alice", now=long_ago, ttl_seconds=3600))
    assert sut.verify(mint_token(SECRET, "alice", now=long_ago, ttl_seconds=3 * 3600))


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(make_claims(exp=in_seconds(-60)), id="expired beyond the leeway"),
        pytest.param(make_claims(nbf=in_seconds(600)), id="nbf in the future"),
        pytest.param(make_claims(iat=in_seconds(600)), id="issued in the future"),
        pytest.param(make_claims(exp=OMIT), id="exp missing"),
        pytest.param(make_claims(exp="tomorrow"), id="exp not a number"),
        pytest.param(make_claims(sub=OMIT), id="sub missing"),
        pytest.param(make_claims(sub=None), id="sub null"),
        pytest.param(make_claims(sub=""), id="sub empty"),
        pytest.param(make_claims(sub=123), id="sub a number"),
        pytest.param(make_claims(sub=["alice"]), id="sub a list"),
        pytest.param(make_claims(sub="a" * 256), id="sub of 256 characters"),
        pytest.param(make_claims(sub="ali\nce"), id="sub with a line feed"),
        pytest.param(make_claims(sub="ali\x00ce"), id="sub with NUL"),
        pytest.param(make_claims(sub="ali\x7fce"), id="sub with DEL"),
        pytest.param(make_claims(sub="\ud800"), id="sub with a lone surrogate"),
    ],
)
def test_a_token_with_unusable_claims_is_refused(
    sut: PyJwtTokenVerifier, claims: dict[str, Any]
) -> None:
    with pytest.raises(InvalidTokenError):
        sut.verify(sign_with_secret(claims))


# The first second after 9999-12-31, and the last one before year 1: no datetime holds them.
AFTER_YEAR_9999 = 253_402_300_800
BEFORE_YEAR_1 = -62_135_596_801


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        pytest.param(make_claims(exp=AFTER_YEAR_9999), "bad_claims", id="exp after 9999"),
        pytest.param(make_claims(exp=10**30), "bad_claims", id="exp 10**30"),
        pytest.param(make_claims(exp=1e300), "bad_claims", id="exp 1e300"),
        pytest.param(make_claims(nbf=BEFORE_YEAR_1), "bad_claims", id="nbf before year 1"),
        pytest.param(make_claims(iat=BEFORE_YEAR_1), "bad_claims", id="iat before year 1"),
        pytest.param(make_claims(exp=BEFORE_YEAR_1), "expired", id="exp before year 1"),
        pytest.param(make_claims(nbf=AFTER_YEAR_9999), "not_yet_valid", id="nbf after 9999"),
        pytest.param(make_claims(iat=AFTER_YEAR_9999), "not_yet_valid", id="iat after 9999"),
    ],
)
def test_a_time_claim_no_datetime_can_hold_is_refused_and_nothing_else_escapes(
    sut: PyJwtTokenVerifier, claims: dict[str, Any], reason: str
) -> None:
    # PyJWT compares these as numbers and lets them through; a datetime made of one
    # raised ValueError or OverflowError, a 500 logged as an error on every request.
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(sign_with_secret(claims))
    assert refused.value.reason == reason


def test_a_subject_of_255_characters_is_accepted(sut: PyJwtTokenVerifier) -> None:
    assert sut.verify(sign_with_secret(make_claims(sub="a" * 255))).subject == "a" * 255


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(make_claims(), id="no issuer nor audience"),
        pytest.param(make_claims(iss="https://evil.example.com", aud=AUDIENCE), id="wrong iss"),
        pytest.param(make_claims(iss=ISSUER, aud="another-api"), id="wrong aud"),
        pytest.param(make_claims(iss=ISSUER), id="aud missing"),
        pytest.param(make_claims(aud=AUDIENCE), id="iss missing"),
        pytest.param(make_claims(iss=[ISSUER], aud=AUDIENCE), id="iss a list"),
    ],
)
def test_the_configured_issuer_and_audience_are_required(
    strict_sut: PyJwtTokenVerifier, claims: dict[str, Any]
) -> None:
    # Signed by hand: PyJWT refuses to encode some of these claims.
    with pytest.raises(InvalidTokenError):
        strict_sut.verify(hmac_signed_by_hand(claims, SECRET.encode()))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            sign_with_secret(make_claims(), secret="another-secret-of-at-least-32-bytes"),
            id="signed with another secret",
        ),
        pytest.param(unsigned_token(make_claims()), id="alg none"),
        pytest.param(unsigned_token(make_claims(), alg="None"), id="alg None"),
        pytest.param(
            sign_with_secret(make_claims(), secret=SECRET * 2, algorithm="HS512"),
            id="an algorithm outside the allow-list",
        ),
        pytest.param(hmac_signed_by_hand(make_claims(), SECRET.encode(), alg=None), id="no alg"),
        pytest.param(sign_with_secret(make_claims())[:-4] + "AAAA", id="signature tampered"),
        pytest.param("", id="empty"),
        pytest.param("not-a-token", id="one segment"),
        pytest.param("a.b", id="two segments"),
        pytest.param("a.b.c.d", id="four segments"),
        pytest.param("....", id="only dots"),
        pytest.param("é.ü.ß", id="non-ASCII garbage"),
        pytest.param("eyJhbGciOiJIUzI1NiJ9.e30.\u202e", id="a bidi override"),
        pytest.param("x" * 10_000, id="10 KB of garbage"),
    ],
)
def test_a_malformed_or_untrusted_token_is_refused(sut: PyJwtTokenVerifier, token: str) -> None:
    with pytest.raises(InvalidTokenError):
        sut.verify(token)


def test_a_validly_signed_token_over_8_kib_is_refused(sut: PyJwtTokenVerifier) -> None:
    token = sign_with_secret(make_claims(name="x" * 10_000))
    assert len(token) > 10_000
    with pytest.raises(InvalidTokenError):
        sut.verify(token)


def test_the_refusal_never_carries_pyjwt_text(sut: PyJwtTokenVerifier) -> None:
    token = hmac_signed_by_hand(make_claims(), b"k", kid='a"\r\nSet-Cookie: x=1')
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(token)
    assert str(refused.value) == "Invalid or expired token"
    assert refused.value.__cause__ is None
    assert refused.value.__suppress_context__


def test_a_token_signed_by_hand_with_the_right_secret_is_accepted(
    strict_sut: PyJwtTokenVerifier,
) -> None:
    # Keeps the hand-signed refusals above honest: only their claims are wrong.
    token = hmac_signed_by_hand(make_claims(iss=ISSUER, aud=AUDIENCE), SECRET.encode())
    assert strict_sut.verify(token).subject == "alice"
