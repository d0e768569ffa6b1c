"""The offline engine: a whole `ReportSummary` from the report's own sentences.

No model, no key, well under a second.  Every claim is a verbatim sentence (or
clause, or heading) of the report, and its evidence is that sentence's own
spans, split around any spam that normalization cut out of it.  What it picks:

- section summaries: the lead sentence of the section's own text plus the
  best-ranked others (section keywords by TF-IDF, figures, headline indicators);
- overview: the headline review sentences, the first admitted problem, the
  targets sentence and the lead of the plan;
- achievements: review sentences that carry achieved figures or results;
- problems: the items of the problems section or paragraph (一是/二是/；);
- plans: the plan's subheadings and its target sentences.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate, chain
from typing import Any, NamedTuple

from ...config import Settings
from ...schema import Claim, Engine, ReportSummary
from ...sections.lookup import SectionIndex
from ...sections.split import SectionNode, find_problem_paragraphs
from ...text.sentences import split_sentences
from ..base import ReportContext, build_source, section_fields
from .ranking import WordIndex, count_weights, keyword_weights, sentence_score, weights_with

_HEADLINE = re.compile(
    r"地区生产总值|生产总值|GDP|财政总收入|财政收入|一般公共预算收入|税收收入|固定资产投资|社会消费品零售|"
    r"规模以上工业|工业总产值|工业增加值|营业收入|人均可支配收入|人均纯收入|招商引资|到位资金|进出口|粮食"
)
_RESULT_CUE = re.compile(r"荣获|获评|被评为|评为|位列|第一|成功申报|建成|竣工|完工|投产|脱贫|通过验收|获得")
_VERDICT_CUE = re.compile(r"一年来|过去五年|五年来|这一年|圆满|较好地完成|取得了|交出了")
_TARGET_CUE = re.compile(r"预期目标|主要目标|目标是|力争|确保|争取|计划")
_ITEM_MARK = re.compile(r"[一二三四五六七八九十]是|[一二三四五六七八九十]要")
_SHORTCOMING = re.compile(
    r"不够|不足|不强|不高|不多|不大|不浓|不快|不优|不全|不牢|不稳|不实|不畅|不佳|不明显|不完善|不健全|不到位|较低|较少|有待|亟待|亟需|乏力|薄弱|滞后|短板|困难|问题|压力|"
    r"欠缺|较弱|偏弱|偏低|懈怠|难度|制约|瓶颈|还需|仍需|不充分|不平衡|落后|差距|隐患|矛盾"
)
_ENUM_LEAD = re.compile(r"\s*(?:主要是|主要表现在|主要有|具体表现为)[:：]?")
_ENUM_SEP = re.compile(r"[，,、]")
# "对此，我们将…", "对于这些问题，我们要高度重视": the remedy, not a problem.
_REMEDY = re.compile(
    r"^\s*(?:对此|对于这些问题|对这些问题|针对这些问题|我们将|我们要|我们一定)|切实加以解决|高度重视"
)
_LONG_UNIT = 150
_MIN_UNIT = 8
_SHORT_LEAD = 16


class _Unit(NamedTuple):
    """A sentence (or clause of a long sentence) of one section's own text.

    A named tuple, not a frozen dataclass: a report has hundreds and each is built in `__init__`.
    """

    start: int
    end: int
    section: SectionNode
    score: float
    actual: int  # achieved indicators inside
    target: int  # targeted indicators inside
    headline: bool


class Extractor:
    """The report read once (words, sentence units, figures): every pick below reuses it."""

    def __init__(self, ctx: ReportContext) -> None:
        self.ctx = ctx
        self.text = ctx.norm.clean.text
        self.words = WordIndex.build(self.text)  # also looks up the IDF of words new to this process
        self.children: dict[str, list[SectionNode]] = {}
        for node in ctx.nodes:
            if node.parent_id is not None:
                self.children.setdefault(node.parent_id, []).append(node)
        to_clean = ctx.norm.clean.to_clean
        self.actual_at = sorted(
            to_clean(i.evidence.start) for i in ctx.facts.indicators if i.kind == "actual"
        )
        self.target_at = sorted(
            to_clean(i.evidence.start) for i in ctx.facts.indicators if i.kind == "target"
        )
        # A section's own words, counted, and their weights: its units' scores, and a leaf's keywords.
        self._own_weights: dict[str, tuple[Counter[str], dict[str, float]]] = {}
        self.units: dict[str, list[_Unit]] = {n.id: self._units_of(n) for n in ctx.nodes}
        self._of_kind: dict[tuple[str, ...], list[SectionNode]] = {}

    # -- sentences ---------------------------------------------------------------------------
    def own_ranges(self, node: SectionNode) -> list[tuple[int, int]]:
        """The section's own text: after its heading, outside its children."""
        ranges: list[tuple[int, int]] = []
        pos = max(node.start, node.heading_end)
        for child in self.children.get(node.id, []):
            if child.start > pos:
                ranges.append((pos, child.start))
            pos = max(pos, child.end)
        if node.end > pos:
            ranges.append((pos, node.end))
        return ranges

    def _units_of(self, node: SectionNode) -> list[_Unit]:
        spans: list[tuple[int, int]] = []
        sentences = self.ctx.facts.sentences
        for start, end in self.own_ranges(node):
            for s, e in sentences.within(start, end):
                if e - s > _LONG_UNIT:
                    clauses = split_sentences(self.text, s, e, clauses=True)
                    spans.extend(clauses if len(clauses) > 1 else [(s, e)])
                else:
                    spans.append((s, e))
        words_all = [self.words.words_in(s, e) for s, e in spans]
        counts = Counter(chain.from_iterable(words_all))
        weights = count_weights(counts) if counts else {}
        self._own_weights[node.id] = counts, weights
        units = []
        for (s, e), words in zip(spans, words_all, strict=True):
            if e - s < _MIN_UNIT:
                continue
            units.append(
                _Unit(
                    start=s,
                    end=e,
                    section=node,
                    score=sentence_score(words, weights, e - s),
                    actual=_count_in(self.actual_at, s, e),
                    target=_count_in(self.target_at, s, e),
                    headline=bool(_HEADLINE.search(self.text, s, e)),
                )
            )
        return units

    def claim(self, claim_id: str, start: int, end: int, section_id: str | None) -> dict[str, Any]:
        """The fields of the `Claim` quoting a clean range (a summary is validated as a whole).

        Its evidence is `clean.spans(start, end)`, as fields: the original
        stretches of the range, split around removed text.
        """
        clean = self.ctx.norm.clean
        ranges = clean.ranges(start, end)
        quotes = [clean.original[s:e] for s, e in ranges]
        evidence = [{"start": s, "end": e, "quote": q} for (s, e), q in zip(ranges, quotes, strict=True)]
        text = "".join(quotes)
        return {"id": claim_id, "text": text, "evidence": evidence, "section_id": section_id}

    def _claims(self, prefix: str, units: list[_Unit]) -> list[dict[str, Any]]:
        ordered = sorted(units, key=lambda u: u.start)
        return [self.claim(f"{prefix}-{i}", u.start, u.end, u.section.id) for i, u in enumerate(ordered, 1)]

    def nodes_of_kind(self, *kinds: str) -> list[SectionNode]:
        """Sections of these kinds, with all their descendants (found once per `kinds`)."""
        inside = self._of_kind.get(kinds)
        if inside is None:
            inside = _inside_any(self.ctx.nodes, [n for n in self.ctx.nodes if n.kind in kinds])
            self._of_kind[kinds] = inside
        return list(inside)

    def descendants(self, node: SectionNode) -> list[SectionNode]:
        found: list[SectionNode] = []
        for child in self.children.get(node.id, []):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def units_in(self, nodes: list[SectionNode]) -> list[_Unit]:
        return [u for n in nodes for u in self.units[n.id]]

    # -- per section -------------------------------------------------------------------------
    def section_claims(self, node: SectionNode) -> list[Claim]:
        """The extractive summary of one section, as claims (the LLM engine's fallback)."""
        return [Claim.model_validate(fields) for fields in self.section_summary(node)]

    def section_summary(self, node: SectionNode) -> list[dict[str, Any]]:
        """The fields of `section_claims`."""
        units = self.units[node.id]
        if not units:
            # All of its text is in its subsections ("(一)…一是…二是…"): pick from those.
            units = sorted(self.units_in(self.descendants(node)), key=lambda u: u.start)
        if not units:
            return []
        wanted = 2 if self.children.get(node.id) else 3
        lead, rest = units[0], units[1:]
        if lead.end - lead.start < _SHORT_LEAD and rest:
            # "项目建设推动有力。" is a run-in subtitle: it leads together with the next sentence.
            lead, rest = lead._replace(end=rest[0].end), rest[1:]
        best = sorted(rest, key=lambda u: (-(u.score + u.actual + u.target + 2 * u.headline), u.start))
        return self._claims(f"s{node.id}", [lead, *best[: wanted - 1]])

    def section_keywords(self, node: SectionNode) -> list[str]:
        if node.id in self.children:
            return list(keyword_weights(self.words.words_in(node.start, node.end), 8))
        # A leaf's words are its heading's and those its units were weighed by: reuse that count.
        counts, weights = self._own_weights[node.id]
        heading = self.words.words_in(node.start, min(max(node.start, node.heading_end), node.end))
        return list(weights_with(counts, weights, heading, 8))

    # -- report level ------------------------------------------------------------------------
    def achievements(self) -> list[_Unit]:
        review = self.units_in(self.nodes_of_kind("review"))
        scored = [u for u in review if u.actual or _RESULT_CUE.search(self.text, u.start, u.end)]
        scored.sort(key=lambda u: (-(3 * u.headline + min(u.actual, 4) + u.score), u.start))
        return scored[:8]

    def problem_items(self) -> list[tuple[int, int, str | None]]:
        ranges: list[tuple[tuple[int, int], str | None]] = [
            (r, n.id) for n in self.nodes_of_kind("problems") for r in self.own_ranges(n)
        ]
        sections = SectionIndex(self.ctx.nodes)
        for start, end in find_problem_paragraphs(self.ctx.norm, self.ctx.nodes):
            owner = sections.deepest(start)
            ranges.append(((start, end), owner.id if owner else None))
        items: list[tuple[int, int, str | None]] = []
        seen: set[tuple[int, int]] = set()
        for (start, end), section_id in sorted(ranges):
            for s, e in self._split_items(start, end):
                if (s, e) not in seen and e - s >= _MIN_UNIT:
                    seen.add((s, e))
                    items.append((s, e, section_id))
        return items[:10]

    def _split_items(self, start: int, end: int) -> list[tuple[int, int]]:
        """Problem items: 一是…/二是… runs, else clauses, without the lead-in or the remedy."""
        marks = [m.start() for m in _ITEM_MARK.finditer(self.text, start, end)]
        if len(marks) >= 2:
            out = []
            for i, s in enumerate(marks):
                e = marks[i + 1] if i + 1 < len(marks) else end
                stop = self.text.find("。", s, e)
                out.append(_trim(self.text, s, stop + 1 if stop >= 0 else e))
            return out
        items = []
        for s, e in split_sentences(self.text, start, end, clauses=True):
            colon = max(self.text.rfind(":", s, e), self.text.rfind("：", s, e))
            if colon >= 0:  # "…还存在一些困难和问题：全镇财税结构亟待优化" -> the part after the colon
                s = colon + 1
            if e - s >= _MIN_UNIT and not _REMEDY.search(self.text, s, e):
                items.append(_trim(self.text, s, e))
        # Keep the clauses that admit something ("安而不忘危" introduces, it does not admit).
        admitted = [(s, e) for s, e in items if _SHORTCOMING.search(self.text, s, e)]
        if len(admitted) == 1:
            admitted = self._split_enumeration(*admitted[0])
        return (admitted or items)[:6]

    def _split_enumeration(self, start: int, end: int) -> list[tuple[int, int]]:
        """One sentence listing several shortcomings ("基础还不牢固、速度还不够快、办法还不够多，…等问题")
        -> one item per shortcoming, each a verbatim stretch."""
        m = _ENUM_LEAD.match(self.text, start, end)
        start = m.end() if m else start
        items: list[tuple[int, int]] = []
        piece_start = item_start = start
        for sep in [*(m.end() for m in _ENUM_SEP.finditer(self.text, start, end)), end]:
            if _SHORTCOMING.search(self.text, piece_start, sep):
                items.append(_trim(self.text, item_start, sep))
                item_start = sep
            piece_start = sep
        if len(items) < 3:
            return [(start, end)]
        if item_start < end and items:  # a tail without its own shortcoming ("等问题。") stays with the last
            items[-1] = _trim(self.text, items[-1][0], end)
        return items

    def plan_units(self) -> list[tuple[int, int, str]]:
        plan_nodes = self.nodes_of_kind("plan", "targets")
        picks: list[tuple[int, int, str]] = []
        for node in plan_nodes:
            if node.level == 2 and node.heading_end > node.heading_start:
                s, e = _title_range(self.text, node)
                picks.append((s, e, node.id))
        targets = [
            u for u in self.units_in(plan_nodes) if u.target or _TARGET_CUE.search(self.text, u.start, u.end)
        ]
        targets.sort(key=lambda u: (-(2 * u.target + u.headline + u.score), u.start))
        picks.extend((u.start, u.end, u.section.id) for u in targets[:4])
        if not picks:
            best = sorted(self.units_in(plan_nodes), key=lambda u: -u.score)[:5]
            picks.extend((u.start, u.end, u.section.id) for u in best)
        return sorted(set(picks))[:12]

    def overview(
        self, achievements: list[_Unit], problems: list[tuple[int, int, str | None]]
    ) -> list[dict[str, Any]]:
        """3–6 sentences that read as the abstract: how the period went, its headline
        results, the main problem, the targets and the plan's first priority."""
        picks: list[tuple[int, int, str | None]] = []

        def pick(unit: _Unit | None) -> None:
            if unit is not None and all(unit.start != p[0] for p in picks):
                picks.append((unit.start, unit.end, unit.section.id))

        review_tops = [n for n in self.ctx.nodes if n.level == 1 and n.kind == "review"]
        if review_tops:
            own = self.units[review_tops[0].id]
            pick(
                next(
                    (u for u in own if _VERDICT_CUE.search(self.text, u.start, u.end)),
                    own[0] if own else None,
                )
            )
        headline = [u for u in achievements if u.headline] or achievements
        for unit in headline[:2]:
            pick(unit)
        if problems:
            picks.append(problems[0])
        plan = self.units_in(self.nodes_of_kind("plan", "targets"))
        pick(max((u for u in plan if u.target), key=lambda u: (u.target, -u.start), default=None))
        if len(picks) < 6:
            heads = [
                n
                for n in self.nodes_of_kind("plan", "targets")
                if n.level == 2 and n.heading_end > n.heading_start
            ]
            if heads:
                s, e = _title_range(self.text, heads[0])
                picks.append((s, e, heads[0].id))
        if len(picks) < 3:
            for unit in sorted((u for units in self.units.values() for u in units), key=lambda u: -u.score):
                if len(picks) >= 3:
                    break
                pick(unit)
        picks = sorted(set(picks), key=lambda p: p[0])[:6]
        return [self.claim(f"o-{i}", s, e, sid) for i, (s, e, sid) in enumerate(picks, 1)]


def _count_in(positions: list[int], start: int, end: int) -> int:
    return bisect_left(positions, end) - bisect_left(positions, start)


def _inside_any(nodes: list[SectionNode], tops: list[SectionNode]) -> list[SectionNode]:
    """The nodes whose range lies inside the range of one of `tops`, in order.

    A node starting at `s` lies inside some top iff the tops starting at or
    before `s` reach, at the farthest, to its end or beyond: one bisect per node
    instead of a test against every top.
    """
    bounds = sorted((t.start, t.end) for t in tops)
    starts = [start for start, _ in bounds]
    reach = list(accumulate((end for _, end in bounds), max))
    found = []
    for node in nodes:
        i = bisect_right(starts, node.start)
        if i and reach[i - 1] >= node.end:
            found.append(node)
    return found


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",，;；、"):
        end -= 1
    return start, end


def _title_range(text: str, node: SectionNode) -> tuple[int, int]:
    """Where the section's title stands inside its heading (the marker left out)."""
    pos = text.find(node.title, node.heading_start, node.heading_end) if node.title else -1
    if pos >= 0:
        return pos, pos + len(node.title)
    return _trim(text, node.heading_start, node.heading_end)


def section_claims(ctx: ReportContext, node: SectionNode) -> list[Claim]:
    """The extractive summary of one section: the LLM engine's fallback."""
    return Extractor(ctx).section_claims(node)


def summarize_extractive(
    ctx: ReportContext, settings: Settings | None = None, *, extractor: Extractor | None = None
) -> ReportSummary:
    """A full `ReportSummary` from the report's own sentences (claims still `unchecked`).

    Pass the `extractor` already built for `ctx` (the LLM engine's fallbacks) to read it only once.
    """
    from ...facts.meta import extract_meta

    started = time.perf_counter()
    ex = extractor or Extractor(ctx)
    sections = section_fields(
        ctx,
        summaries={n.id: ex.section_summary(n) for n in ctx.nodes},
        keywords={n.id: ex.section_keywords(n) for n in ctx.nodes},
    )
    achievements = ex.achievements()
    problems = ex.problem_items()
    # Claims and sections are plain fields until here: the summary is validated in one call.
    summary = ReportSummary.model_validate(
        {
            "source": build_source(ctx),
            "engine": Engine(name="extractive"),
            "meta": extract_meta(ctx.norm, ctx.nodes),
            "overview": ex.overview(achievements, problems),
            "sections": sections,
            "indicators": list(ctx.facts.indicators),
            "projects": list(ctx.facts.projects),
            "achievements": ex._claims("a", achievements),
            "problems": [ex.claim(f"p-{i}", s, e, sid) for i, (s, e, sid) in enumerate(problems, 1)],
            "plans": [ex.claim(f"l-{i}", s, e, sid) for i, (s, e, sid) in enumerate(ex.plan_units(), 1)],
        }
    )
    summary.engine.elapsed_s = round(time.perf_counter() - started, 4)
    return summary
