"""Engines: a prepared report (`ReportContext`) to a `ReportSummary`, not yet verified.

`extractive/` is the offline engine; `llm/` the model's, the only part of the
package that imports `openai` (in `llm/client.py`).  Import the engine you use:
this package itself loads neither.
"""

from .base import ProgressCallback, ReportContext

__all__ = ["ProgressCallback", "ReportContext"]
