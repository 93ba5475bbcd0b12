"""The vocabulary that reads a qualitative 实际完成值 into a level of achievement."""

from __future__ import annotations

import pytest

from assistant.achievement import level_of, read_level


@pytest.mark.parametrize(("actual", "target", "level"), [
    ("达成预期指标", "达到预期", "achieved"),
    ("封账前全部完成", "及时", "achieved"),
    ("按时完成", "年底前完成", "achieved"),
    ("如期完成", "", "achieved"),
    ("全部完成", "", "achieved"),
    ("效果明显", "明显提高", "achieved"),
    ("合规", "合规", "achieved"),
    ("全年未发生安全责任事故", "安全规范", "achieved"),
    ("无投诉", "", "achieved"),
    ("不断提升", "", "achieved"),
    ("逐步提升", "逐步提升", "achieved"),  # the target's own words
    ("逐步提升", "持续增强", "basic"),
    ("基本完成", "", "basic"),
    ("基本及时", "及时", "basic"),
    ("大部分完成", "", "basic"),
    ("部分实现", "逐步建立", "partial"),
    ("未全部完成", "", "partial"),
    ("延期完成", "按时完成", "partial"),
    ("初步建立", "建立长效机制", "partial"),
    ("未完成", "", "not"),
    ("尚未完成安装验收", "", "not"),
    ("未按时完成", "", "not"),
    ("没有达到预期", "", "not"),
    ("不及时", "及时", "not"),
    ("不合规", "合规", "not"),
    ("稳步推进", "建立长效机制", None),
    ("见附件", "", None),
    ("", "", None),
])
def test_read_level(actual: str, target: str, level: str | None) -> None:
    assert read_level(actual, target) == level


def test_stated_achievement_wins_over_the_words() -> None:
    assert level_of("部分完成", "全部完成") == "partial"
    assert level_of("", "全部完成") == "achieved"
