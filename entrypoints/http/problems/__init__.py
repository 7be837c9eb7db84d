"""Errors as RFC 9457 problem details: one table (`error_table`) gives each exception its
status, type, headers and cause, and both the handlers FastAPI is given (`handlers`) and
the error responses of the OpenAPI document (`openapi_errors`) are written from it."""
