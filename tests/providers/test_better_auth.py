"""Better Auth's own JWTs through a real `todo serve`: what a front end on Better Auth sends.

Configured with the README's "Better Auth (JWT plugin)" and "Neon Auth" rows as written:
JWT_JWKS_URL the server's JWKS, JWT_ISSUER and JWT_AUDIENCE its origin (Better Auth's
default `iss` and `aud`); JWT_ALGORITHMS left at its default, which takes EdDSA.
"""

import secrets
from pathlib import Path

import httpx
import jwt
import pytest

from tests.providers.providers import BetterAuth
from tests.providers.service import (
    BETTER_AUTH_ROW,
    NEON_AUTH_ROW,
    QUICK_REFETCH,
    TrustingService,
    first_steps,
    readme_settings,
    statuses_until,
    trusting_service,
)


def _email() -> str:
    return f"ada-{secrets.token_hex(4)}@example.com"


def _settings(server: BetterAuth) -> dict[str, str]:
    return readme_settings(BETTER_AUTH_ROW, {"base-url": server.origin})


@pytest.fixture(scope="module")
def service_settings(better_auth: BetterAuth) -> dict[str, str]:
    return _settings(better_auth)


def test_a_user_who_signed_up_reaches_the_api_with_the_jwt_better_auth_gave_them(
    better_auth: BetterAuth, service: TrustingService
) -> None:
    email = _email()
    user, token = better_auth.sign_up(email, "Ada Lovelace")

    me = first_steps(service, token)

    assert me["id"] == user["id"]
    assert me["email"] == email
    assert me["name"] == "Ada Lovelace"
    # The shape this proves we take: EdDSA with a `kid`, keys published without `use`,
    # and the whole user object among the claims.
    header = jwt.get_unverified_header(token)
    assert (header["alg"], sorted(header)) == ("EdDSA", ["alg", "kid"])
    [key] = httpx.get(better_auth.jwks_url, timeout=10).json()["keys"]
    assert (key["kty"], key["crv"], "use" in key) == ("OKP", "Ed25519", False)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"id", "emailVerified", "createdAt"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_a_better_auth_token_that_has_expired_is_refused_as_expired(
    better_auth: BetterAuth, service: TrustingService
) -> None:
    user, token = better_auth.sign_up(_email(), "Grace Hopper")
    assert service.get("/api/users/me", token).status_code == 200
    expired_before = service.refusals().get("expired", 0)

    response = service.get("/api/users/me", better_auth.expired_token(user["id"]))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert service.refusals()["expired"] == expired_before + 1


def test_better_auth_laid_out_as_neon_auth_is_trusted_at_its_well_known_jwks(
    provider_programs: Path, sqlite_template: Path, tmp_path: Path
) -> None:
    """Neon Auth is Better Auth at <auth url> = <origin>/<database>/auth.

    Its keys are at <auth url>/.well-known/jwks.json and its `iss` and `aud` are the
    origin: Better Auth with that basePath and jwksPath serves exactly that.
    """
    neon = BetterAuth(
        provider_programs, base_path="/neondb/auth", jwks_path="/.well-known/jwks.json"
    )
    neon.start()
    try:
        settings = readme_settings(
            NEON_AUTH_ROW, {"auth-url": neon.auth_url, "auth-origin": neon.origin}
        )
        with trusting_service(sqlite_template, tmp_path, **settings) as service:
            email = _email()
            user, token = neon.sign_up(email, "Neon User")
            me = first_steps(service, token)
    finally:
        neon.stop()

    assert (me["id"], me["email"]) == (user["id"], email)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == (neon.origin, neon.origin)


def test_a_token_signed_with_a_key_rotated_in_is_trusted_within_the_refetch_bound(
    provider_programs: Path, sqlite_template: Path, tmp_path: Path
) -> None:
    """Better Auth rotates by expiring its key: the next token is signed with a new one.

    The old key stays published (the grace period), so its tokens keep working; the
    new key is one the service has not seen, and it fetches the keys again for it once
    its refetch cooldown allows. Until then such a token is refused (401), never a
    500 or a 503.
    """
    server = BetterAuth(provider_programs)
    server.start()
    try:
        settings = {**_settings(server), **QUICK_REFETCH}
        with trusting_service(sqlite_template, tmp_path, **settings) as service:
            email = _email()
            _, old_token = server.sign_up(email, "Rota Tion")
            assert service.get("/api/users/me", old_token).status_code == 200

            server.rotate_keys()
            new_token = server.token_for(email)
            old_kid = jwt.get_unverified_header(old_token)["kid"]
            new_kid = jwt.get_unverified_header(new_token)["kid"]
            published = {
                key["kid"] for key in httpx.get(server.jwks_url, timeout=10).json()["keys"]
            }
            assert new_kid != old_kid
            assert published == {old_kid, new_kid}

            answers = statuses_until(service, new_token, 200)
            assert service.get("/api/users/me", old_token).status_code == 200
    finally:
        server.stop()

    assert answers[-1] == 200, f"never trusted the rotated-in key: {answers[-5:]}"
    assert set(answers[:-1]) <= {401}
