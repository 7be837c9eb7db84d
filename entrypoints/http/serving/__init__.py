"""The serving process: uvicorn configured (`server`), its workers (`workers`), and how a
worker drains and stops (`draining`, `stopping`)."""
