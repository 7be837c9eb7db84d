from typing import Any

import jwt
import pytest

from tests.jwt_factories import SECRET, make_claims, sign_with_secret
from todo_service.adapters.jwt import ClaimPath, ClaimRules, JwtConfig, PyJwtTokenVerifier
from todo_service.application.errors import InvalidTokenError


def verifier(**rules: Any) -> PyJwtTokenVerifier:
    return PyJwtTokenVerifier(JwtConfig(secret=SECRET, claim_rules=ClaimRules(**rules)))


def signed(claims: dict[str, Any], **header: Any) -> str:
    return jwt.encode(claims, SECRET, algorithm="HS256", headers=header or None)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("email", ("email",)),
        ("user_metadata.full_name", ("user_metadata", "full_name")),
        ("[https://example.com/email]", ("https://example.com/email",)),
        ("[https://example.com/user].name", ("https://example.com/user", "name")),
        ("profile.[given.name]", ("profile", "given.name")),
    ],
)
def test_a_claim_path_is_names_joined_by_dots_with_dotted_names_in_brackets(
    text: str, names: tuple[str, ...]
) -> None:
    assert ClaimPath.parse(text, "JWT_EMAIL_CLAIM").names == names


@pytest.mark.parametrize(
    "text", ["", "a..b", ".a", "a.", "[a.b", "a]", "[]", "a.[b]c", "e\nmail", "a." * 9 + "a"]
)
def test_a_malformed_claim_path_is_refused_with_one_line_naming_the_setting(text: str) -> None:
    with pytest.raises(ValueError, match=r"^JWT_NAME_CLAIM [^\n]+$"):
        ClaimPath.parse(text, "JWT_NAME_CLAIM")


def test_email_and_name_are_read_where_the_paths_say_and_only_as_strings() -> None:
    sut = verifier(
        email_claim=ClaimPath.parse("[https://example.com/email]", "E"),
        name_claim=ClaimPath.parse("user_metadata.full_name", "N"),
    )
    claims = make_claims(
        email="top-level@example.com",
        name="Top Level",
        user_metadata={"full_name": "Alice Liddell"},
        **{"https://example.com/email": "alice@example.com"},
    )
    verified = sut.verify(sign_with_secret(claims))
    assert (verified.email, verified.name) == ("alice@example.com", "Alice Liddell")

    odd = make_claims(user_metadata="not an object", **{"https://example.com/email": ["a@b.c"]})
    verified = sut.verify(sign_with_secret(odd))
    assert (verified.email, verified.name) == (None, None)


@pytest.mark.parametrize(
    ("rules", "claims", "header", "reason"),
    [
        ({"authorized_parties": ("https://app.example.com",)}, {"azp": "https://evil.example"},
         {}, "wrong_audience"),
        ({"authorized_parties": ("https://app.example.com",)}, {}, {}, "wrong_audience"),
        ({"client_id": "client-1"}, {"client_id": "client-2"}, {}, "wrong_audience"),
        ({"token_use": "access"}, {"token_use": "id"}, {}, "wrong_token_type"),
        ({"token_type": "at+jwt"}, {}, {"typ": "JWT"}, "wrong_token_type"),
        ({"required_scopes": ("todos", "profile")}, {"scope": "openid todos"}, {},
         "missing_scope"),
        ({"required_scopes": ("todos",)}, {"scope": ["todos"]}, {}, "missing_scope"),
    ],
)  # fmt: skip
def test_a_token_breaking_a_provider_rule_is_refused_with_its_reason(
    rules: dict[str, Any], claims: dict[str, Any], header: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidTokenError) as refused:
        verifier(**rules).verify(signed(make_claims(**claims), **header))
    assert refused.value.reason == reason


def test_a_token_keeping_every_rule_is_accepted() -> None:
    sut = verifier(
        authorized_parties=("https://app.example.com", "http://localhost:5173"),
        client_id="client-1",
        token_use="access",
        token_type="at+jwt",
        required_scopes=("todos",),
    )
    claims = make_claims(
        azp="http://localhost:5173", client_id="client-1", token_use="access", scope="openid todos"
    )
    for typ in ("at+jwt", "application/AT+JWT"):
        assert sut.verify(signed(claims, typ=typ)).subject == "alice"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"authorized_parties": ("",)}, "JWT_AUTHORIZED_PARTIES values must be"),
        ({"authorized_parties": ("a",) * 33}, "JWT_AUTHORIZED_PARTIES takes at most 32"),
        ({"client_id": "c" * 257}, "JWT_CLIENT_ID values must be"),
        ({"token_use": "access\n"}, "JWT_TOKEN_USE values must be"),
        ({"token_type": " at+jwt"}, "JWT_TOKEN_TYPE values must be"),
        ({"required_scopes": ("todos\x00",)}, "JWT_REQUIRED_SCOPES values must be"),
    ],
)
def test_a_bad_rule_is_refused_with_one_line(rules: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"^[^\n]+$") as refused:
        ClaimRules(**rules)
    assert message in str(refused.value)
