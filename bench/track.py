"""How fast is `track` on 8 yearly reports of one place?  Printed beside plain extraction.

    .venv/bin/python bench/track.py [--repeat N]

The 8 reports (about 15,000-17,500 characters each) are the two State Council reports
of fixtures/tracking, alternately, with every year shifted so that they follow each
other 2013 … 2020.  The baseline, in the same run, is the rule-based stages alone
(`prepare`: ingest, normalize, sections, facts) on the same 8 texts.  Offline; the
goal is under 2 s for `track`.  Nothing is asserted: read the figures.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from offline import median_seconds  # noqa: E402  (bench/ is on the path when run as a script)

from summarizer import Settings, prepare, track  # noqa: E402

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def yearly_reports() -> list[tuple[str, str]]:
    base = {
        2013: (ROOT / "fixtures/tracking/national_2013.txt").read_text(encoding="utf-8"),
        2014: (ROOT / "fixtures/tracking/national_2014.txt").read_text(encoding="utf-8"),
    }
    reports = []
    for year in range(2013, 2021):
        source = 2013 if year % 2 else 2014
        shift = year - source
        text = _YEAR.sub(lambda m, s=shift: str(int(m.group()) + s), base[source])
        reports.append((f"national_{year}.txt", text))
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = Settings(engine="extractive", cache=None)
    reports = yearly_reports()
    track(reports, settings)  # warm up: regexes, the catalogue, pydantic
    chars = [len(text) for _, text in reports]
    baseline = median_seconds(lambda: [prepare(text, settings) for _, text in reports], args.repeat)
    tracked = median_seconds(lambda: track(reports, settings), args.repeat)
    result = track(reports, settings)
    paired = sum(i.actual is not None for i in result.items)
    print(f"reports: {len(reports)}, chars: {min(chars)}-{max(chars)} (total {sum(chars)})")
    print(f"years: {[r.year for r in result.reports]}, items: {len(result.items)}, paired: {paired}")
    print(f"extraction alone (prepare x8): {baseline:.3f} s  (median of {args.repeat})")
    print(f"track (8 reports):             {tracked:.3f} s  (median of {args.repeat})")
    print(f"track / extraction: {tracked / baseline:.2f}")


if __name__ == "__main__":
    main()
