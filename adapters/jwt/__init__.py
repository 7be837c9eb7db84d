from adapters.jwt.config import JwtConfig
from adapters.jwt.minting import mint_token
from adapters.jwt.verifier import PyJwtTokenVerifier

__all__ = ["JwtConfig", "PyJwtTokenVerifier", "mint_token"]
