from todo_service.application import RateLimitExceededError
from todo_service.application.rate_policy import SECONDS_PER_MINUTE

# Structured-field syntax of draft-ietf-httpapi-ratelimit-headers-11 (docs/adr/0020).
RATE_LIMIT_HEADERS_DOC = {
    "Retry-After": "Whole seconds until the next request of this kind is admitted.",
    "RateLimit": 'The allowance left under the policy that refused: `"writes";r=0;t=<seconds>` '
    '(or `"reads"`); `t` equals `Retry-After`.',
    "RateLimit-Policy": 'The policy that refused: `"writes";q=<per minute>;w=60` '
    '(or `"reads"`); a user may also spend a burst at once after a pause.',
}


def rate_limit_headers(error: RateLimitExceededError) -> dict[str, str]:
    """`Retry-After` and the IETF `RateLimit` / `RateLimit-Policy` fields of a 429."""
    policy, seconds = error.policy, error.retry_after_seconds
    return {
        "Retry-After": str(seconds),
        "RateLimit": f'"{policy.name}";r=0;t={seconds}',
        "RateLimit-Policy": f'"{policy.name}";q={policy.per_minute};w={SECONDS_PER_MINUTE}',
    }
