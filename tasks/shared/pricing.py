"""Token prices (one dated table, prices.json next to this module) and the cost of usage.

A cross-region inference profile id ("us.amazon.nova-micro-v1:0", "global.…") is priced as
its base model; a model the table does not know has cost None rather than a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tasks.shared.model_ids import base_model_id
from tasks.shared.models import TokenUsage

PRICES_FILE = Path(__file__).with_name("prices.json")
_PER = 1_000_000


@dataclass(frozen=True)
class Prices:
    """USD per million tokens for one model."""

    input: float
    output: float
    cache_read: float
    cache_write: float
    # Bedrock batch inference (the batch lane); None where the model has no batch price.
    batch_input: float | None = None
    batch_output: float | None = None


@cache
def price_table() -> dict[str, Any]:
    """The parsed prices.json."""
    table: dict[str, Any] = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    return table


def prices_for(model_id: str) -> Prices | None:
    """The prices of `model_id` (an ARN's last part, a profile id or a base id), or None."""
    entry = price_table()["models"].get(base_model_id(model_id))
    return Prices(**entry) if entry else None


def cost_of(usage: TokenUsage, model_id: str) -> dict[str, Any]:
    """{"usd", "model", "prices_as_of"}; usd is None for an unpriced model."""
    prices = prices_for(model_id)
    usd = None
    batched = usage.batch_input_tokens or usage.batch_output_tokens
    if prices is not None and not (
        batched and (prices.batch_input is None or prices.batch_output is None)
    ):
        usd = round(
            (
                usage.input_tokens * prices.input
                + usage.output_tokens * prices.output
                + usage.cache_read_input_tokens * prices.cache_read
                + usage.cache_write_input_tokens * prices.cache_write
                + usage.batch_input_tokens * (prices.batch_input or 0.0)
                + usage.batch_output_tokens * (prices.batch_output or 0.0)
            )
            / _PER,
            8,
        )
    return {"usd": usd, "model": model_id, "prices_as_of": price_table()["as_of"]}
