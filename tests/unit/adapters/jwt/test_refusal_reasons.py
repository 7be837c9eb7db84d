"""Each refusal says which check failed, from a fixed set, for the operators' metrics."""

import pytest

from tests.jwt_factories import OMIT, SECRET, in_seconds, make_claims, sign_with_secret
from todo_service.adapters.jwt import JwtConfig, PyJwtTokenVerifier
from todo_service.application.errors import InvalidTokenError, TokenRefusal

ISSUER = "https://auth.example.com"
AUDIENCE = "todo-api"

TOKENS: dict[TokenRefusal, str] = {
    "malformed": "not-a-jwt",
    "wrong_algorithm": sign_with_secret(make_claims(), SECRET * 2, algorithm="HS512"),
    "bad_signature": sign_with_secret(make_claims(), "another-secret-of-at-least-32-bytes"),
    "expired": sign_with_secret(make_claims(exp=in_seconds(-60))),
    "not_yet_valid": sign_with_secret(make_claims(nbf=in_seconds(600))),
    "wrong_audience": sign_with_secret(make_claims(iss=ISSUER, aud="another-api")),
    "wrong_issuer": sign_with_secret(make_claims(iss="https://elsewhere.example", aud=AUDIENCE)),
    "missing_claim": sign_with_secret(make_claims(sub=OMIT, iss=ISSUER, aud=AUDIENCE)),
    "bad_claims": sign_with_secret(make_claims(sub=42, iss=ISSUER, aud=AUDIENCE)),
}


@pytest.mark.parametrize(("reason", "token"), TOKENS.items(), ids=TOKENS.keys())
def test_a_refused_token_carries_the_reason_it_was_refused_and_the_same_message(
    reason: TokenRefusal, token: str
) -> None:
    sut = PyJwtTokenVerifier(JwtConfig(secret=SECRET, issuer=ISSUER, audience=AUDIENCE))
    with pytest.raises(InvalidTokenError) as refused:
        sut.verify(token)
    assert refused.value.reason == reason
    assert str(refused.value) == "Invalid or expired token"
