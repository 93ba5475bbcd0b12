"""How numbers are written in Chinese report text: the spacing and the characters of a written number, the
scale words, and reading a run of Chinese numerals (十三万 → 13 with scale word 万, 三点五 → 3.5).
Shared by the quantity reader (numbers.py) and the spans that are not claims (masks.py)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

# The spaces a written number may hold between its parts: a bounded run, like every run the patterns of
# numbers.py and masks.py repeat over, so reading stays linear in the text.
SP = r"[ \t\u3000\u00a0]{0,8}"
# Chinese numerals: the digits, then with the scale characters.
CN_DIGITS = "零〇一二两三四五六七八九"
CN_NUMERALS = CN_DIGITS + "十百千万亿"
SCALES = {"百": 100, "千": 1000, "万": 10**4, "百万": 10**6, "千万": 10**7,
          "亿": 10**8, "万亿": 10**12}
_CN_DIGIT_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


@lru_cache(maxsize=1)
def _cn2an() -> Callable[[str, str], object]:
    # Imported lazily: cn2an takes ~80 ms to import and most callers never meet a Chinese numeral.
    import cn2an  # type: ignore[import-untyped]

    return cn2an.cn2an


@lru_cache(maxsize=2048)
def _cn_integer(run: str) -> int | None:
    """Return the integer a Chinese numeral run without 点 stands for, or None."""
    if not run:
        return 0
    if run[0] in "百千万亿":
        run = "一" + run  # cn2an rejects 百/千万 without a leading 一
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = _cn2an()(run, "normal")
    except ValueError:
        return None
    return int(value) if isinstance(value, int | float) else None


def _split_scale(run: str) -> tuple[str, str]:
    """Return (head, scale word): 十三万 → (十三, 万); no split when the head has 万/亿 itself."""
    head = run.rstrip("万亿")
    tail = run[len(head):]
    if not head or not tail or tail not in SCALES or "万" in head or "亿" in head:
        return run, ""
    return head, tail


@lru_cache(maxsize=2048)
def read_chinese(run: str) -> tuple[Decimal, int, str] | None:
    """Return (value, decimals, scale word) for a Chinese numeral run, or None."""
    head, scale_word = _split_scale(run)
    int_part, _, frac = head.partition("点")
    if any(c not in _CN_DIGIT_VALUES for c in frac):
        return None
    integer = _cn_integer(int_part)
    if integer is None:
        return None
    digits = "".join(str(_CN_DIGIT_VALUES[c]) for c in frac)
    return Decimal(f"{integer}.{digits}" if digits else str(integer)), len(digits), scale_word
