"""Engines: turn a prepared report (`ReportContext`) into a `ReportSummary`."""
