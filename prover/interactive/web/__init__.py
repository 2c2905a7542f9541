"""The HTTP layer of ``prover serve``: FastAPI routes, pydantic models, the request gate.

Importing this package is cheap; :mod:`prover.interactive.web.app` imports FastAPI
(the optional ``serve`` extra). The layer imports the service, never the reverse.
"""
