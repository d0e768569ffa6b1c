"""The extractive engine's own shortcuts give what the general code gives."""

from __future__ import annotations

import pytest

from summarizer import Settings
from summarizer.engines.extractive.engine import Extractor, _inside_any
from summarizer.pipeline import prepare
from summarizer.schema import Span
from summarizer.sections.split import SectionNode

EVIDENCE_CASES = [
    pytest.param("全年新增就业岗位120个，群众满意度提升。\n道路硬化5公里。", id="no-removal"),
    pytest.param("全年新增就业岗位120个，加微信abc12345领取彩金，群众满意度提升。", id="spam-inside"),
    pytest.param("完善农村道路时时彩平台设施建设。\n新建桥梁两座。", id="lottery-inside"),
    pytest.param("全镇实现生产总值 1 2亿元，\r\n同比增长５％。", id="blanks-and-widths"),
    pytest.param("各位代表：\u200b\u200b过去一年，我们攻坚克难。", id="zero-width"),
]


@pytest.mark.parametrize("text", EVIDENCE_CASES)
def test_claim_evidence_equals_the_offset_maps_spans_for_every_range(text: str) -> None:
    ex = Extractor(prepare(text, Settings(engine="extractive", cache=None)))
    clean = ex.ctx.norm.clean
    n = len(clean.text)
    for start in range(n + 1):
        for end in range(start, n + 1):
            claim = ex.claim("c", start, end, None)
            assert [Span(**f) for f in claim["evidence"]] == clean.spans(start, end), (start, end)
            assert claim["text"] == "".join(s.quote for s in clean.spans(start, end))


def test_evidence_splits_around_removed_spam() -> None:
    text = "全年新增就业岗位120个，加微信abc12345领取彩金，群众满意度提升。"
    ex = Extractor(prepare(text, Settings(engine="extractive", cache=None)))
    spans = [Span(**f) for f in ex.claim("c", 0, len(ex.text), None)["evidence"]]
    assert len(spans) == 2
    assert all(text[s.start : s.end] == s.quote for s in spans)
    quotes = "".join(s.quote for s in spans)
    assert "加微信" not in quotes
    assert "abc12345" not in quotes, "the account after the trigger word is spam too"
    assert "abc12345" not in ex.claim("c", 0, len(ex.text), None)["text"]
    assert quotes == "全年新增就业岗位120个，领取彩金，群众满意度提升。"


def _node(node_id: str, kind: str, start: int, end: int) -> SectionNode:
    return SectionNode(node_id, None, 1, node_id, kind, start, end, start, start)  # type: ignore[arg-type]


INSIDE_CASES = [
    pytest.param([("a", "review", 0, 10), ("b", "plan", 10, 20)], ["b"], id="one-top"),
    pytest.param(
        [("a", "plan", 0, 20), ("b", "plan", 2, 8), ("c", "other", 3, 5), ("d", "other", 18, 25)],
        ["a", "b", "c"],
        id="nested-and-overhanging",
    ),
    pytest.param(
        [("a", "plan", 0, 5), ("b", "targets", 5, 9), ("c", "other", 3, 7)], ["a", "b"], id="straddles-two"
    ),
    pytest.param(
        [("a", "other", 0, 10), ("b", "plan", 0, 10), ("c", "other", 4, 4)], ["a", "b", "c"], id="same-range"
    ),
    pytest.param(
        [("a", "plan", 5, 9), ("b", "other", 0, 30), ("c", "plan", 1, 3)], ["a", "c"], id="tops-out-of-order"
    ),
    pytest.param([("a", "other", 0, 10)], [], id="no-top"),
]


@pytest.mark.parametrize(("nodes", "expected"), INSIDE_CASES)
def test_nodes_inside_a_top(nodes: list[tuple[str, str, int, int]], expected: list[str]) -> None:
    built = [_node(*n) for n in nodes]
    tops = [n for n in built if n.kind in ("plan", "targets")]
    brute = [n for n in built if any(t.start <= n.start and n.end <= t.end for t in tops)]
    found = _inside_any(built, tops)
    assert found == brute
    assert [n.id for n in found] == expected
