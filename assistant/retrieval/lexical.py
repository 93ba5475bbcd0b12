"""Lexical retrieval: jieba tokens scored by BM25 (bm25s), saved beside the vector index."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

# Terms of the trade that jieba's general dictionary splits apart; kept whole they match
# indicator names and table headings exactly (search mode still yields their parts).
DOMAIN_TERMS = (
    "预算执行率", "执行率", "绩效目标", "绩效指标", "绩效自评", "自评报告", "自评表", "自评结果",
    "产出指标", "效益指标", "满意度指标", "成本指标", "数量指标", "质量指标", "时效指标",
    "经济效益", "社会效益", "生态效益", "可持续影响", "服务对象满意度", "满意度",
    "年初预算数", "全年预算数", "全年执行数", "实际到位", "财政拨款", "上年结转", "结转资金",
    "偏差原因", "偏离度", "资金到位率", "资金使用", "资金管理", "专项资金", "项目支出",
    "一级指标", "二级指标", "三级指标", "指标值", "年度指标值", "实际完成值", "评分标准",
    "绩效评价", "绩效管理", "信息公开", "整改措施", "改进意见", "预算调整", "预算编制",
)
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 由 将 把 被 等 其 中 之 以 于 并 也 而 且 从 向 按 "
    "个 这 那 有 要 可 上 下 就 都 又 该 各 本 此 所 如 若 则 即 得 地 着 过 我 我们".split()
)
TOKEN_CHARS = re.compile(r"[\w%％]", re.UNICODE)


@cache
def _tokenizer() -> Any:
    import jieba

    # jieba logs its dictionary loading at INFO level; that is noise on a command line.
    jieba.setLogLevel(logging.WARNING)
    # A private tokenizer keeps our domain terms out of any other user's jieba.
    tk = jieba.Tokenizer()
    tk.initialize()
    for term in DOMAIN_TERMS:
        tk.add_word(term, freq=200000)
    return tk


def tokenize(text: str) -> list[str]:
    """Return the BM25 tokens of text: jieba search-mode words, lower-cased, without stopwords."""
    words = _tokenizer().cut_for_search(text.lower(), HMM=False)
    return [w for w in words if w.strip() and w not in STOPWORDS and TOKEN_CHARS.search(w)]


def tokenize_passages(passages: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Return the tokens of each (context, text) pair; a context shared by passages is cut once."""
    # jieba is pure Python and the slowest step of indexing; every passage of a document
    # repeats its title and section lines, so those are tokenized once per distinct value.
    cache: dict[str, list[str]] = {}
    out: list[list[str]] = []
    for context, text in passages:
        if context not in cache:
            cache[context] = tokenize(context)
        out.append(cache[context] + tokenize(text))
    return out


class LexicalIndex:
    """A BM25 index over chunks in a fixed order; rows are positions in that order."""

    def __init__(self, model: Any, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, token_lists: Sequence[list[str]]) -> LexicalIndex:
        """Return an index over the token lists (an empty list gives an empty index)."""
        import bm25s

        # b=0.3 (less length normalization than the usual 0.75): a long report section is not
        # less relevant for being long; on the labelled queries recall@5 rose from 0.78 to 0.83.
        model = bm25s.BM25(k1=1.5, b=0.3)
        if token_lists:
            # bm25s rejects a corpus without a single token; "" is its own placeholder word.
            model.index([t or [""] for t in token_lists], show_progress=False)
        return cls(model if token_lists else None, len(token_lists))

    def save(self, folder: Path) -> None:
        """Write the index into folder."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "size.json").write_text(json.dumps({"size": self.size}, allow_nan=False), encoding="utf-8")
        if self._model is not None:
            self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Return the index saved in folder."""
        import bm25s

        size = json.loads((folder / "size.json").read_text(encoding="utf-8"))["size"]
        if not size:
            return cls(None, 0)
        return cls(bm25s.BM25.load(str(folder), mmap=False, show_progress=False), size)

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Return up to n (row, score) pairs with a positive score, best first, rows within mask."""
        if self._model is None:
            return []
        ids = self._model.get_tokens_ids(tokenize(query))
        if not ids:
            return []
        scores = self._model.get_scores_from_ids(ids)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, self.size)
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
