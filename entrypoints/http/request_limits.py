from starlette.exceptions import HTTPException as StarletteHTTPException

# The largest request body the service reads (edge/body_limit.py refuses the rest).
MAX_BODY_BYTES = 64 * 1024


class BodyTooLargeError(StarletteHTTPException):
    """The request body passed the size limit; an HTTPException so that FastAPI lets it through.

    Here rather than beside the layer that raises it, so that the problem table
    (problems/error_table.py) maps it without depending on an edge layer.
    """

    def __init__(self) -> None:
        super().__init__(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")
