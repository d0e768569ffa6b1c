"""The plain-text table of `summarizer verify --format table`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..schema import Claim, ReportSummary
from .check import shorten
from .claims import FreeTextResult

if TYPE_CHECKING:
    pass


def format_table(result: FreeTextResult | ReportSummary, width: int = 48) -> str:
    """A plain-text table: one row per claim (id, support, reason, shortened text), then totals."""
    claims = result.all_claims() if isinstance(result, ReportSummary) else result.claims
    reasons = {issue.claim_id: issue.reason for issue in result.verification.issues}
    rows = [("id", "support", "claim", "reason")]
    # With a model judge, the support column reads "rules -> final (judge's verdict)".
    rows += [(c.id, _support(c), shorten(c.text, width), reasons.get(c.id, "")) for c in claims]
    id_width = max(_display_width(r[0]) for r in rows)
    support_width = max(_display_width(r[1]) for r in rows)
    claim_width = max(_display_width(r[2]) for r in rows)
    lines = [
        f"{_pad(a, id_width)}  {_pad(b, support_width)}  {_pad(c, claim_width)}  {d}".rstrip()
        for a, b, c, d in rows
    ]
    lines.insert(1, "-" * (id_width + support_width + claim_width + 12))
    v = result.verification
    lines.append("")
    lines.append(
        f"claims {v.claims}: supported {v.supported}, partial {v.partial}, unsupported {v.unsupported}; "
        f"figures {v.numbers} ({v.numbers_unsupported} not in evidence); score {v.score:.2f}"
    )
    return "\n".join(lines)


def _support(claim: Claim) -> str:
    if claim.judge is None:
        return claim.support
    return f"{claim.rules_support}->{claim.support} ({claim.judge.verdict})"


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
