import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.jwt_factories import SECRET
from todo_service.adapters.jwt import JwtConfig, PyJwtTokenVerifier
from todo_service.application.errors import InvalidTokenError

sut = PyJwtTokenVerifier(JwtConfig(secret=SECRET))


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
headers = st.fixed_dictionaries(
    {"alg": st.sampled_from(["HS256", "none", "RS256", "EdDSA"]) | json_values},
    optional={"kid": json_values, "crit": json_values, "b64": json_values},
)
token_like = st.builds(
    lambda header, payload, signature: ".".join(
        [_segment(json.dumps(header).encode()), _segment(json.dumps(payload).encode()), signature]
    ),
    headers,
    json_values,
    st.text(alphabet="ABCabc0123-_=", max_size=50),
)


@settings(max_examples=150, deadline=None)
@given(st.text() | token_like)
def test_any_text_as_a_token_is_refused_with_invalid_token_only(token: str) -> None:
    try:
        sut.verify(token)
    except InvalidTokenError:
        return
    raise AssertionError("an unsigned token was accepted")
