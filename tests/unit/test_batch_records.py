"""The batch lane's request records, response store and pricing (tasks/shared/batch.py)."""

from __future__ import annotations

import pytest
from memory_store import MemoryStore

from tasks.shared.batch import (
    ON_DEMAND,
    DeferringClient,
    ModelCallDeferred,
    record_id,
    store_answer,
)
from tasks.shared.batch_marks import BATCH_LANE
from tasks.shared.models import TokenUsage
from tasks.shared.pricing import cost_of
from tasks.shared.providers.bedrock import response_usage as usage_of

REQUEST = {
    "modelId": "amazon.nova-micro-v1:0",
    "messages": [{"role": "user", "content": [{"text": "Summarize."}]}],
    "inferenceConfig": {"maxTokens": 100, "temperature": 0.0},
}
ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Done."}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 1000, "outputTokens": 200, "totalTokens": 1200},
    "ResponseMetadata": {"HTTPStatusCode": 200},
}


def test_the_record_id_names_the_request_whatever_the_order_of_its_keys() -> None:
    reordered = dict(reversed(list(REQUEST.items())))
    assert record_id(reordered) == record_id(REQUEST)
    assert record_id({**REQUEST, "modelId": "amazon.nova-lite-v1:0"}) != record_id(REQUEST)


def test_an_unanswered_request_is_deferred_and_an_answered_one_is_answered() -> None:
    store = MemoryStore()
    client = DeferringClient(store)  # type: ignore[arg-type]
    with pytest.raises(ModelCallDeferred):
        client.converse(**REQUEST)
    (deferred,) = client.deferred.values()
    assert deferred.model_id == REQUEST["modelId"]
    assert "modelId" not in deferred.request  # a batch record's modelInput

    store_answer(store, deferred.record_id, ANSWER, lane=BATCH_LANE)  # type: ignore[arg-type]

    answered = DeferringClient(store).converse(**REQUEST)  # type: ignore[arg-type]
    assert answered["output"] == ANSWER["output"]
    assert "ResponseMetadata" not in answered


def test_batch_answers_are_billed_at_the_batch_price_and_on_demand_ones_are_not() -> None:
    store = MemoryStore()
    store_answer(store, "batch", ANSWER, lane=BATCH_LANE)  # type: ignore[arg-type]
    store_answer(store, "now", ANSWER, lane=ON_DEMAND)  # type: ignore[arg-type]
    batch = usage_of(store.objects["artifacts/batch/responses/batch.json"])
    now = usage_of(store.objects["artifacts/batch/responses/now.json"])
    assert (batch.batch_input_tokens, batch.batch_output_tokens, batch.input_tokens) == (
        1000,
        200,
        0,
    )
    assert (now.input_tokens, now.batch_input_tokens) == (1000, 0)
    model = "amazon.nova-micro-v1:0"
    assert cost_of(batch, model)["usd"] == pytest.approx(cost_of(now, model)["usd"] / 2)
    both = TokenUsage()
    both.add(batch)
    both.add(now)
    assert both.billed_input_tokens == 2000


def test_batch_tokens_of_a_model_without_a_batch_price_have_no_cost() -> None:
    usage = TokenUsage(batch_input_tokens=10, batch_output_tokens=1)
    assert cost_of(usage, "anthropic.claude-3-5-haiku-20241022-v1:0")["usd"] is None
    assert cost_of(TokenUsage(input_tokens=10), "anthropic.claude-3-5-haiku-20241022-v1:0")[
        "usd"
    ] == pytest.approx(8e-06)
