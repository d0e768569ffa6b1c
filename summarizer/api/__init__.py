"""The HTTP API: `summarizer serve` (FastAPI on uvicorn).

app (routes) ─► access (tokens, rate) ─► pool (worker processes) ◄─ tasks (the CPU work)
            └─► jobs (LLM jobs in the event loop)   metrics (Prometheus, the middleware)
errors: the JSON error body;  server: host check and uvicorn
"""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
