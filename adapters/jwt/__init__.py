from todo_service.adapters.jwt.config import JwtConfig
from todo_service.adapters.jwt.minting import mint_token
from todo_service.adapters.jwt.verifier import PyJwtTokenVerifier

__all__ = ["JwtConfig", "PyJwtTokenVerifier", "mint_token"]
