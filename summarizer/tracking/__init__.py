"""Tracking: last year's targets against this year's actuals, across reports of one place.

readings (one report: place, delivery year, its figures by year and concept) ─► pairing
(targets of year Y with the actuals for Y in the next report; status: rules of
`status.py`) ─► TrackResult (models) ─► JSON, CSV, Markdown (output);  run: `track()`
"""

from .models import TRACK_SCHEMA_VERSION, ComparisonRow, TrackedReport, TrackedValue, TrackItem, TrackResult
from .output import item_row, track_csv, track_html, track_markdown, track_text
from .run import TrackSource, track

__all__ = [
    "TRACK_SCHEMA_VERSION",
    "ComparisonRow",
    "TrackItem",
    "TrackResult",
    "TrackSource",
    "TrackedReport",
    "TrackedValue",
    "item_row",
    "track",
    "track_csv",
    "track_html",
    "track_markdown",
    "track_text",
]
