"""The extractive engine's own shortcuts give what the general code gives."""

from __future__ import annotations

import pytest

from summarizer import Settings
from summarizer.engines.extractive import Extractor
from summarizer.pipeline import prepare

EVIDENCE_CASES = [
    pytest.param("全年新增就业岗位120个，群众满意度提升。\n道路硬化5公里。", id="no-removal"),
    pytest.param("全年新增就业岗位120个，加微信abc12345领取彩金，群众满意度提升。", id="spam-inside"),
    pytest.param("完善农村道路时时彩平台设施建设。\n新建桥梁两座。", id="lottery-inside"),
    pytest.param("全镇实现生产总值 1 2亿元，\r\n同比增长５％。", id="blanks-and-widths"),
    pytest.param("各位代表：\u200b\u200b过去一年，我们攻坚克难。", id="zero-width"),
]


@pytest.mark.parametrize("text", EVIDENCE_CASES)
def test_evidence_equals_the_offset_maps_spans_for_every_range(text: str) -> None:
    ex = Extractor(prepare(text, Settings(engine="extractive", cache=None)))
    clean = ex.ctx.norm.clean
    n = len(clean.text)
    for start in range(n + 1):
        for end in range(start, n + 1):
            assert ex.evidence(start, end) == clean.spans(start, end), (start, end)


def test_evidence_splits_around_removed_spam() -> None:
    text = "全年新增就业岗位120个，加微信abc12345领取彩金，群众满意度提升。"
    ex = Extractor(prepare(text, Settings(engine="extractive", cache=None)))
    spans = ex.evidence(0, len(ex.text))
    assert len(spans) == 2
    assert all(text[s.start : s.end] == s.quote for s in spans)
    assert "加微信" not in "".join(s.quote for s in spans)
