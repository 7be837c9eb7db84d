"""node oidc-provider's RFC 9068 access tokens through a real `todo serve`.

A machine client (a worker, a CLI) gets a token with the client credentials grant:
`typ: at+jwt`, RS256, `sub` and `client_id` the client's id, `scope`, and `aud` the
resource it asked for (RFC 8707). The service is configured with the README's row for
node `oidc-provider` as written: the issuer's /jwks (what its discovery document names),
the issuer, the resource indicator this API goes by as the audience, and `at+jwt`.
"""

import secrets
from pathlib import Path

import httpx
import jwt
import pytest

from tests.providers.conftest import OTHER_API, THIS_API
from tests.providers.providers import BetterAuth, OidcProvider
from tests.providers.service import (
    BETTER_AUTH_ROW,
    OIDC_PROVIDER_ROW,
    TrustingService,
    first_steps,
    readme_settings,
    trusting_service,
)


def _settings(provider: OidcProvider) -> dict[str, str]:
    settings = readme_settings(OIDC_PROVIDER_ROW, {"issuer": provider.issuer, "resource": THIS_API})
    discovery = httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200
    assert (settings["JWT_JWKS_URL"], settings["JWT_ISSUER"]) == (
        discovery.json()["jwks_uri"],
        discovery.json()["issuer"],
    )
    return settings


@pytest.fixture(scope="module")
def service_settings(oidc_provider: OidcProvider) -> dict[str, str]:
    return _settings(oidc_provider)


def test_a_client_credentials_token_reaches_the_api_as_the_client(
    oidc_provider: OidcProvider, service: TrustingService
) -> None:
    token = oidc_provider.client_credentials_token()

    me = first_steps(service, token)

    assert me["id"] == OidcProvider.CLIENT_ID
    assert (me["email"], me["name"]) == (None, None)
    header = jwt.get_unverified_header(token)
    assert (header["typ"], header["alg"]) == ("at+jwt", "RS256")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["client_id"], claims["scope"], claims["aud"]) == (
        OidcProvider.CLIENT_ID,
        "todos",
        THIS_API,
    )


def test_a_token_the_provider_issued_for_another_api_is_refused(
    oidc_provider: OidcProvider, service: TrustingService
) -> None:
    """Same provider, same keys, same client: only `aud` says it is not for this API."""
    wrong_audience_before = service.refusals().get("wrong_audience", 0)

    response = service.get("/api/users/me", oidc_provider.client_credentials_token(OTHER_API))

    assert response.status_code == 401
    assert service.refusals()["wrong_audience"] == wrong_audience_before + 1


def test_each_providers_tokens_are_refused_by_a_service_that_trusts_the_other(
    better_auth: BetterAuth,
    oidc_provider: OidcProvider,
    service: TrustingService,
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    settings = readme_settings(BETTER_AUTH_ROW, {"base-url": better_auth.origin})
    _, better_auth_token = better_auth.sign_up(f"eve-{secrets.token_hex(4)}@example.com", "Eve")
    oidc_token = oidc_provider.client_credentials_token()
    unknown_before = service.refusals().get("unknown_key", 0)

    refused_by_oidc_side = service.get("/api/users/me", better_auth_token)
    with trusting_service(sqlite_template, tmp_path, **settings) as trusts_better_auth:
        assert trusts_better_auth.get("/api/users/me", better_auth_token).status_code == 200
        refused_by_better_auth_side = trusts_better_auth.get("/api/users/me", oidc_token)
        unknown_on_better_auth_side = trusts_better_auth.refusals().get("unknown_key", 0)

    assert refused_by_oidc_side.status_code == 401
    assert service.refusals()["unknown_key"] == unknown_before + 1
    assert refused_by_better_auth_side.status_code == 401
    assert unknown_on_better_auth_side == 1
