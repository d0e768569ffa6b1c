"""The output of `track`: reports read, targets paired with actuals, and a comparison by concept.

Every `evidence` is a `Span` into the original text of the file named beside it.
Field names are a promise (issue #17); `TRACK_SCHEMA_VERSION` changes with them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..schema import Span

TRACK_SCHEMA_VERSION: Literal["1.0"] = "1.0"
TrackStatus = Literal["met", "missed", "unclear", "no_actual"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrackedReport(_Model):
    file: str
    place: str | None = None
    year: int | None = None  # the year the report was delivered
    sha256: str


class TrackedValue(_Model):
    """One side of a pair: a figure of one report, as written, with its evidence."""

    file: str
    raw: str
    value: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    evidence: Span


class TrackItem(_Model):
    place: str | None = None
    year: int  # the year the target is for
    concept: str | None = None
    name: str
    target: TrackedValue
    actual: TrackedValue | None = None
    status: TrackStatus
    reason: str = ""


class ComparisonRow(_Model):
    """Several places, one delivery year: each place's target for that year and actual for the one before."""

    year: int
    concept: str
    place: str | None = None
    file: str
    target: TrackedValue | None = None
    actual: TrackedValue | None = None


class TrackResult(_Model):
    schema_version: Literal["1.0"] = TRACK_SCHEMA_VERSION
    reports: list[TrackedReport]
    items: list[TrackItem]
    comparison: list[ComparisonRow] = []

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
