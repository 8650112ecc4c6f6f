"""Token estimates: what chunking budgets by and what the offline model reports as usage."""

from __future__ import annotations

import re

# CJK and kana have no spaces: count each character as one token, as BPE vocabularies
# roughly do. Other words cost one token per ~6 characters, punctuation one each.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """Estimate the model tokens of `text` (deterministic, no tokenizer download needed)."""
    total = 0
    for match in _TOKEN_RE.finditer(text):
        total += 1 + (match.end() - match.start() - 1) // 6
    return total
