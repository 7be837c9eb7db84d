"""Tokens as each identity provider documents them: headers, claims, and near misses.

Times (`iat`, `exp`, ...) are added when signing. Sources: Better Auth's `jwt` plugin
(sign.ts), Neon Auth's docs, node oidc-provider / RFC 9068, Auth0's access-token and
custom-claim docs, Clerk's session-token reference (v2), Supabase's JWT claims
reference, Cognito's "Understanding the access token", Keycloak's token format,
Firebase's "Verify ID tokens using a third-party JWT library".
"""

from dataclasses import dataclass, field
from typing import Any

from tests.jwt_factories import OMIT

Changes = dict[str, Any]


@dataclass(frozen=True)
class NearMiss:
    """A token of the provider that this service must refuse: header and claim changes."""

    claims: Changes = field(default_factory=dict)
    header: Changes = field(default_factory=dict)


@dataclass(frozen=True)
class Shape:
    provider: str
    placeholders: dict[str, str]
    key: str  # "rsa", "ec", "ed25519", or "secret" (HS256 with the row's JWT_SECRET)
    header: Changes
    claims: Changes
    email: str | None
    name: str | None
    near_misses: dict[str, NearMiss]


ALICE = "alice@example.com"
USER_ID = "6c1f3a2e-8d4b-4f7a-9e3c-2b1d0a9f8e7d"
SUPABASE_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"

_BETTER_AUTH_USER = {
    "id": "Lr3rn0lJd6Qk8u1V2wXyZ0aB",
    "sub": "Lr3rn0lJd6Qk8u1V2wXyZ0aB",
    "name": "Alice Liddell",
    "email": ALICE,
    "emailVerified": False,
    "image": None,
    "createdAt": "2026-11-30T09:00:00.000Z",
    "updatedAt": "2026-11-30T09:00:00.000Z",
}
_SUPABASE_CLAIMS = {
    "sub": USER_ID,
    "aud": "authenticated",
    "email": ALICE,
    "phone": "",
    "app_metadata": {"provider": "email", "providers": ["email"]},
    "user_metadata": {
        "email": ALICE,
        "email_verified": True,
        "full_name": "Alice Liddell",
        "phone_verified": False,
        "sub": USER_ID,
    },
    "role": "authenticated",
    "aal": "aal1",
    "amr": [{"method": "password", "timestamp": 1764493200}],
    "session_id": "0b9f6a5e-2c3d-4e1f-8a7b-6c5d4e3f2a1b",
    "is_anonymous": False,
}


def _supabase(provider: str, key: str, header: Changes, placeholders: dict[str, str]) -> Shape:
    """Supabase's access token, the same whether HS256 with the secret or from the JWKS."""
    return Shape(
        provider=provider,
        placeholders={"project-ref": "abcdefghijklmnopqrst", **placeholders},
        key=key,
        header=header,
        claims={**_SUPABASE_CLAIMS, "iss": "https://abcdefghijklmnopqrst.supabase.co/auth/v1"},
        email=ALICE,
        name="Alice Liddell",
        near_misses={
            "the project's anon key": NearMiss(
                claims={"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "anon",
                        "sub": OMIT, "aud": OMIT, "email": OMIT, "user_metadata": OMIT}
            ),
            "another project": NearMiss(
                claims={"iss": "https://tsrqponmlkjihgfedcba.supabase.co/auth/v1"}
            ),
            "anon audience": NearMiss(claims={"aud": "anon"}),
        },
    )  # fmt: skip


_COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
_COGNITO_CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
_KEYCLOAK_ISSUER = "https://sso.example.com/realms/acme"

SHAPES = (
    Shape(
        provider="Better Auth (JWT plugin)",
        placeholders={"base-url": "https://auth.example.com"},
        key="ed25519",
        header={"typ": ""},  # jose's SignJWT: `alg` and `kid` only
        claims={
            **_BETTER_AUTH_USER,
            "iss": "https://auth.example.com",
            "aud": "https://auth.example.com",
        },
        email=ALICE,
        name="Alice Liddell",
        near_misses={
            "another Better Auth server": NearMiss(
                claims={"iss": "https://other.example.com", "aud": "https://other.example.com"}
            ),
        },
    ),
    Shape(
        provider="Neon Auth",
        placeholders={
            "auth-url": "https://ep-cool-name-123456.neonauth.us-east-2.aws.neon.tech/neondb/auth",
            "auth-origin": "https://ep-cool-name-123456.neonauth.us-east-2.aws.neon.tech",
        },
        key="ed25519",
        header={"typ": ""},
        claims={
            **_BETTER_AUTH_USER,
            "role": "authenticated",
            "iss": "https://ep-cool-name-123456.neonauth.us-east-2.aws.neon.tech",
            "aud": "https://ep-cool-name-123456.neonauth.us-east-2.aws.neon.tech",
        },
        email=ALICE,
        name="Alice Liddell",
        near_misses={
            "another Neon branch's auth": NearMiss(
                claims={
                    "iss": "https://ep-other-654321.neonauth.us-east-2.aws.neon.tech",
                    "aud": "https://ep-other-654321.neonauth.us-east-2.aws.neon.tech",
                }
            ),
        },
    ),
    Shape(
        provider="node `oidc-provider` (JWT access tokens)",
        placeholders={"issuer": "https://op.example.com", "resource": "https://api.example.com"},
        key="rsa",
        header={"typ": "at+jwt"},
        claims={
            "jti": "Zk2n4Vb9pQ",
            "sub": "todo-worker",
            "client_id": "todo-worker",
            "scope": "todos",
            "iss": "https://op.example.com",
            "aud": "https://api.example.com",
        },
        email=None,
        name=None,
        near_misses={
            "ID token where an access token is required": NearMiss(
                header={"typ": "JWT"},
                claims={
                    "aud": "todo-worker",
                    "client_id": OMIT,
                    "scope": OMIT,
                    "sub": "alice",
                    "email": ALICE,
                },
            ),
            "access token for another resource": NearMiss(
                claims={"aud": "https://billing.example.com"}
            ),
            "wrong issuer": NearMiss(claims={"iss": "https://op.example.org"}),
        },
    ),
    Shape(
        provider="Auth0",
        placeholders={
            "tenant": "acme",
            "api-identifier": "https://todo.example.com/api",
            "namespace": "https://todo.example.com",
        },
        key="rsa",
        header={"typ": "JWT"},
        claims={
            "https://todo.example.com/email": ALICE,
            "https://todo.example.com/name": "Alice Liddell",
            "iss": "https://acme.auth0.com/",
            "sub": "auth0|64f1c2d3e4b5a69788990011",
            "aud": ["https://todo.example.com/api", "https://acme.auth0.com/userinfo"],
            "scope": "openid profile email",
            "azp": "Xy7Zb3Qw9Rt5Uv1Wx3Yz5Ab7Cd9Ef1Gh",
        },
        email=ALICE,
        name="Alice Liddell",
        near_misses={
            "ID token where an access token is required": NearMiss(
                claims={
                    "aud": "Xy7Zb3Qw9Rt5Uv1Wx3Yz5Ab7Cd9Ef1Gh",
                    "scope": OMIT,
                    "azp": OMIT,
                    "email": ALICE,
                    "name": "Alice Liddell",
                }
            ),
            "wrong issuer (no trailing slash)": NearMiss(claims={"iss": "https://acme.auth0.com"}),
            "access token for another API": NearMiss(
                claims={"aud": ["https://billing.example.com", "https://acme.auth0.com/userinfo"]}
            ),
        },
    ),
    Shape(
        provider="Clerk",
        placeholders={
            "frontend-api-url": "https://clerk.example.com",
            "app-origin": "https://app.example.com",
        },
        key="rsa",
        header={"typ": "JWT"},
        claims={
            "azp": "https://app.example.com",
            "fva": [7, -1],
            "iss": "https://clerk.example.com",
            "sid": "sess_2abcDEFghiJKLmnoPQRstu",
            "sub": "user_2abcDEFghiJKLmnoPQRstu",
            "v": 2,
            "email": ALICE,
            "name": "Alice Liddell",
        },
        email=ALICE,
        name="Alice Liddell",
        near_misses={
            "wrong azp": NearMiss(claims={"azp": "https://evil.example.com"}),
            "no azp": NearMiss(claims={"azp": OMIT}),
            "another Clerk instance": NearMiss(
                claims={"iss": "https://other-app.clerk.accounts.dev"}
            ),
        },
    ),
    _supabase(
        "Supabase (legacy JWT secret)",
        key="secret",
        # Legacy tokens name the secret by `kid`; HS256 verification ignores it.
        header={"typ": "JWT", "kid": "Tq4nLz8w"},
        placeholders={"jwt-secret": SUPABASE_SECRET},
    ),
    _supabase("Supabase (signing keys)", key="ec", header={"typ": "JWT"}, placeholders={}),
    Shape(
        provider="Amazon Cognito (access tokens)",
        placeholders={
            "region": "eu-west-1",
            "user-pool-id": "eu-west-1_AbCdEf123",
            "app-client-id": _COGNITO_CLIENT,
        },
        key="rsa",
        header={"typ": ""},  # Cognito's header: `kid` and `alg`
        claims={
            "sub": USER_ID,
            "cognito:groups": ["editors"],
            "iss": _COGNITO_ISSUER,
            "version": 2,
            "client_id": _COGNITO_CLIENT,
            "origin_jti": "4f3e2d1c-0b9a-8f7e-6d5c-4b3a2f1e0d9c",
            "event_id": "8e7d6c5b-4a3f-2e1d-0c9b-8a7f6e5d4c3b",
            "token_use": "access",
            "scope": "openid email",
            "jti": "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
            "username": "alice",
        },
        email=None,
        name="alice",
        near_misses={
            "ID token where an access token is required": NearMiss(
                claims={
                    "token_use": "id",
                    "aud": _COGNITO_CLIENT,
                    "client_id": OMIT,
                    "scope": OMIT,
                    "username": OMIT,
                    "cognito:username": "alice",
                    "email": ALICE,
                }
            ),
            "access token of another app client": NearMiss(
                claims={"client_id": "7h8i9j0k1l2m3n4o5p6q7r8s9t"}
            ),
            "another user pool": NearMiss(
                claims={"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_ZyXwVu987"}
            ),
        },
    ),
    Shape(
        provider="Keycloak",
        placeholders={
            "keycloak-host": "sso.example.com",
            "realm": "acme",
            "api-client-id": "todo-api",
        },
        key="rsa",
        header={"typ": "JWT"},
        claims={
            "jti": "onrtac:5b4c3d2e",
            "iss": _KEYCLOAK_ISSUER,
            "aud": ["todo-api", "account"],
            "sub": USER_ID,
            "typ": "Bearer",
            "azp": "todo-frontend",
            "sid": "7c6b5a4f-3e2d-1c0b-9a8f-7e6d5c4b3a2f",
            "acr": "1",
            "allowed-origins": ["https://app.example.com"],
            "realm_access": {"roles": ["default-roles-acme", "offline_access"]},
            "scope": "openid email profile",
            "email_verified": True,
            "name": "Alice Liddell",
            "preferred_username": "alice",
            "given_name": "Alice",
            "family_name": "Liddell",
            "email": ALICE,
        },
        email=ALICE,
        name="alice",
        near_misses={
            "ID token where an access token is required": NearMiss(
                claims={"typ": "ID", "aud": "todo-frontend", "scope": OMIT}
            ),
            "access token without the API's audience": NearMiss(claims={"aud": "account"}),
            "another realm": NearMiss(claims={"iss": "https://sso.example.com/realms/other"}),
        },
    ),
    Shape(
        provider="Firebase Authentication",
        placeholders={"project-id": "todo-12345"},
        key="rsa",
        header={"typ": "JWT"},
        claims={
            "name": "Alice Liddell",
            "iss": "https://securetoken.google.com/todo-12345",
            "aud": "todo-12345",
            "user_id": "kT2fN8qXb4Y6pZ1wR3sV5uA7cD9e",
            "sub": "kT2fN8qXb4Y6pZ1wR3sV5uA7cD9e",
            "email": ALICE,
            "email_verified": True,
            "firebase": {"identities": {"email": [ALICE]}, "sign_in_provider": "password"},
        },
        email=ALICE,
        name="Alice Liddell",
        near_misses={
            "another Firebase project": NearMiss(
                claims={"iss": "https://securetoken.google.com/other-67890", "aud": "other-67890"}
            ),
            "wrong audience": NearMiss(claims={"aud": "other-67890"}),
        },
    ),
)
