"""The todo service: one import name for the domain, its use cases, adapters and entrypoints.

The repository keeps the four rooms at its top level; this package names them for an
installed copy, so that a host project with its own ``domain`` or ``application`` (or PyPI's
``entrypoints``) imports both without either shadowing the other (ADR 0014).
"""
