from todo_service.adapters.jwt.claim_paths import ClaimPath
from todo_service.adapters.jwt.claim_rules import ClaimRules
from todo_service.adapters.jwt.config import JwtConfig
from todo_service.adapters.jwt.jwks import JwksKeys
from todo_service.adapters.jwt.minting import mint_token
from todo_service.adapters.jwt.verifier import PyJwtTokenVerifier

__all__ = ["ClaimPath", "ClaimRules", "JwksKeys", "JwtConfig", "PyJwtTokenVerifier", "mint_token"]
