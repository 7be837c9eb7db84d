"""The identity provider down when `todo serve` starts, and again later.

The service starts without it (keys are fetched when a request first needs them) and
answers 503 with Retry-After while it cannot fetch them, never a 401 that would send a
user to sign in again, and never a 500. Once the provider is back it recovers on its
own, within the refetch cooldown. Down again later: tokens whose key it holds keep
working; one that needs the provider's keys gets 503 once the cooldown lets it try.
"""

from pathlib import Path

from tests.jwt_factories import make_claims, make_ed25519_key
from tests.providers.conftest import OTHER_API, THIS_API
from tests.providers.providers import OidcProvider
from tests.providers.service import (
    OIDC_PROVIDER_ROW,
    QUICK_REFETCH,
    first_steps,
    readme_settings,
    statuses_until,
    trusting_service,
)


def test_the_service_answers_503_while_the_provider_is_down_and_recovers_on_its_own(
    provider_programs: Path, sqlite_template: Path, tmp_path: Path
) -> None:
    provider = OidcProvider(provider_programs, THIS_API, OTHER_API, tmp_path / "signing-key.json")
    provider.start()
    token = provider.client_credentials_token()
    provider.stop()
    settings = {
        **readme_settings(OIDC_PROVIDER_ROW, {"issuer": provider.issuer, "resource": THIS_API}),
        **QUICK_REFETCH,
    }
    # Signed by a key the provider never published: only the provider can say so.
    unknown_key = make_ed25519_key("never-published").sign(
        make_claims(iss=provider.issuer, aud=THIS_API), typ="at+jwt"
    )

    with trusting_service(sqlite_template, tmp_path / "service", **settings) as service:
        down_at_start = service.get("/api/users/me", token)
        provider.start()
        try:
            # A failed fetch may hold the next one back for the refetch cooldown.
            recovering = statuses_until(service, token, 200)
            me = first_steps(service, token)
        finally:
            provider.stop()
        with_cached_keys = service.get("/api/users/me", token)
        needing_the_provider = statuses_until(service, unknown_key, 503)

    assert down_at_start.status_code == 503
    assert down_at_start.headers["retry-after"].isdigit()
    assert down_at_start.headers["content-type"] == "application/problem+json"
    assert recovering[-1] == 200, f"never recovered: {recovering[-5:]}"
    assert set(recovering[:-1]) <= {503}
    assert me["id"] == OidcProvider.CLIENT_ID
    assert with_cached_keys.status_code == 200
    assert needing_the_provider[-1] == 503, f"never 503: {needing_the_provider[-5:]}"
    # Within the cooldown the key set it has says this `kid` is not the provider's.
    assert set(needing_the_provider[:-1]) <= {401}
