"""Token accounting, prices, prompt caching, the budget guard and per-page chunk passages."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tasks.chunk_text.chunking import chunk_pages
from tasks.chunk_text.task import chunk_document
from tasks.shared.errors import BudgetExceededError
from tasks.shared.models import DocumentRef, Page, Summary, TokenUsage
from tasks.shared.pricing import cost_of, price_table, prices_for
from tasks.shared.providers.bedrock import response_usage, supports_prompt_cache
from tasks.shared.storage import ArtifactStore, chunk_key, chunk_summary_key, text_key
from tasks.shared.tokens import estimate_tokens
from tasks.store_results.task import store_results
from tasks.summarize_text.task import chunk_passages


class MemoryS3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get_object(self, **kwargs: Any) -> Any:
        return {"Body": io.BytesIO(self.objects[kwargs["Key"]])}

    def put_object(self, **kwargs: Any) -> Any:
        self.objects[kwargs["Key"]] = kwargs["Body"]
        return {}

    def head_object(self, **kwargs: Any) -> Any:
        return {"ContentLength": len(self.objects[kwargs["Key"]])}


DOCUMENT = DocumentRef("doc", "bucket", "incoming/a.pdf", "etag", 10)
SENTENCE = "The committee reviewed the annual budget and approved the new harbour works. "


def store_with_pages(pages: list[str]) -> ArtifactStore:
    store = ArtifactStore(MemoryS3(), "bucket")
    store.put_json(
        text_key("doc"), {"pages": [{"number": i + 1, "text": t} for i, t in enumerate(pages)]}
    )
    return store


# Prices and cost


def test_price_table_is_dated_and_covers_the_default_model() -> None:
    table = price_table()
    assert table["as_of"] and table["currency"] == "USD"
    assert prices_for("amazon.nova-micro-v1:0") is not None


def test_profiles_and_arns_are_priced_as_their_base_model() -> None:
    base = prices_for("amazon.nova-micro-v1:0")
    assert prices_for("us.amazon.nova-micro-v1:0") == base
    assert prices_for("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0") == base


def test_cost_sums_every_kind_of_token_at_its_rate() -> None:
    usage = TokenUsage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        calls=2,
        cache_read_input_tokens=1_000_000,
        cache_write_input_tokens=1_000_000,
    )
    prices = prices_for("amazon.nova-lite-v1:0")
    assert prices is not None
    cost = cost_of(usage, "amazon.nova-lite-v1:0")
    expected = prices.input + prices.output + prices.cache_read + prices.cache_write
    assert cost["usd"] == pytest.approx(expected)
    assert cost["prices_as_of"] == price_table()["as_of"]


def test_an_unknown_model_has_no_cost_rather_than_a_guess() -> None:
    assert cost_of(TokenUsage(10, 10, 1), "acme.unknown-v1")["usd"] is None


# Bedrock usage and prompt caching


def test_converse_usage_with_cache_tokens_is_read() -> None:
    usage = response_usage(
        {
            "usage": {
                "inputTokens": 40,
                "outputTokens": 9,
                "cacheReadInputTokens": 300,
                "cacheWriteInputTokens": 0,
            }
        }
    )
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.calls) == (40, 300, 1)
    assert usage.billed_input_tokens == 340


@pytest.mark.parametrize(
    ("model_id", "cached"),
    [
        ("amazon.nova-micro-v1:0", True),
        ("us.amazon.nova-lite-v1:0", True),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", True),
        ("anthropic.claude-3-haiku-20240307-v1:0", False),
        ("meta.llama3-8b-instruct-v1:0", False),
    ],
)
def test_prompt_caching_is_asked_only_of_models_that_support_it(
    model_id: str, cached: bool
) -> None:
    assert supports_prompt_cache(model_id) is cached


# Chunks: per-page passages and the document's own tokens


def test_chunks_keep_their_text_per_page_and_count_overlap_once() -> None:
    pages = [Page(n, SENTENCE * 30) for n in range(1, 6)]
    chunks = chunk_pages(pages, max_tokens=400, overlap_tokens=60)
    assert len(chunks) > 2
    for chunk in chunks:
        assert [page for page, _ in chunk.pages] == sorted({page for page, _ in chunk.pages})
        assert "\n\n".join(text for _, text in chunk.pages) == chunk.text
    document_tokens = sum(estimate_tokens(p.text) for p in pages)
    assert sum(chunk.new_tokens for chunk in chunks) == pytest.approx(document_tokens, rel=0.02)
    assert sum(chunk.tokens for chunk in chunks) > sum(chunk.new_tokens for chunk in chunks)


def test_a_stored_chunk_gives_one_passage_per_page() -> None:
    chunk = {
        "text": "a\n\nb",
        "page_start": 3,
        "page_end": 4,
        "pages": [{"number": 3, "text": "a"}, {"number": 4, "text": "b"}],
    }
    assert [(p.text, p.page_start, p.page_end) for p in chunk_passages(chunk)] == [
        ("a", 3, 3),
        ("b", 4, 4),
    ]


def test_chunk_text_returns_indices_and_document_tokens() -> None:
    store = store_with_pages([SENTENCE * 40, SENTENCE * 40])
    result = chunk_document(
        DOCUMENT,
        text_key("doc"),
        store,
        max_tokens=300,
        overlap_tokens=30,
        max_document_tokens=100_000,
    )
    assert result["items"] == list(range(result["count"]))
    assert result["model_id"] == ""
    assert result["document_tokens"] < result["tokens"]
    stored = store.get_json(chunk_key("doc", 0))
    assert stored["pages"][0]["number"] == 1


def test_a_document_over_the_token_cap_fails_before_any_model_call() -> None:
    store = store_with_pages([SENTENCE * 200])
    with pytest.raises(BudgetExceededError, match="cap is 500"):
        chunk_document(
            DOCUMENT,
            text_key("doc"),
            store,
            max_tokens=1500,
            overlap_tokens=100,
            max_document_tokens=500,
        )
    assert not any("chunks/" in key for key in store._s3.objects)  # type: ignore[attr-defined]


def test_a_document_over_the_cap_goes_to_the_budget_model_when_configured() -> None:
    store = store_with_pages([SENTENCE * 200])
    result = chunk_document(
        DOCUMENT,
        text_key("doc"),
        store,
        max_tokens=1500,
        overlap_tokens=100,
        max_document_tokens=500,
        budget_model_id="amazon.nova-micro-v1:0",
    )
    assert result["model_id"] == "amazon.nova-micro-v1:0"


# Store Results: usage, ratio and cost with the result and for the notification


class FakeDynamoDB:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    def update_item(self, **kwargs: Any) -> Any:
        self.updates.append(kwargs)
        return {}


def test_results_carry_usage_ratio_and_cost() -> None:
    store = store_with_pages(["x"])
    summary = Summary("A summary.", [], TokenUsage(9_000, 500, 3, 0, 0), "amazon.nova-micro-v1:0")
    store.put_json(chunk_summary_key("doc", 0), summary.to_dict())
    event = {
        "summary": {"key": chunk_summary_key("doc", 0)},
        "classification": {
            "category": "report",
            "confidence": 0.9,
            "usage": {"input_tokens": 1_000, "output_tokens": 20, "calls": 1},
        },
        "text": {"media_type": "application/pdf", "pages": 1, "characters": 1, "extractor": "x"},
        "chunks": {"count": 3, "tokens": 9_500, "document_tokens": 9_000},
        "review_required": False,
        "execution_arn": "arn",
    }
    out = store_results(DOCUMENT, event, store, FakeDynamoDB(), "table")
    result = json.loads(json.dumps(store.get_json(out["result_key"])))
    assert result["usage"]["billed_input_tokens"] == 10_000
    assert result["usage"]["calls"] == 4
    assert result["input_token_ratio"] == pytest.approx(10_000 / 9_000, abs=1e-4)
    expected = (10_000 * 0.035 + 520 * 0.14) / 1_000_000
    assert result["cost"]["usd"] == pytest.approx(expected)
    assert out["input_tokens"] == 10_000 and out["output_tokens"] == 520
    assert float(out["cost_usd"]) == pytest.approx(expected, abs=1e-8)
    assert "e" not in out["cost_usd"]
