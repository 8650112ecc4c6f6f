"""The model-provider interface and the factory that picks an implementation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tasks.shared.errors import ConfigurationError
from tasks.shared.models import Classification, LabelSet, Passage, Summary


class ModelProvider(Protocol):
    """What the summarize, combine and classify tasks need from a model."""

    name: str
    # The document languages (ISO 639-1) the model reads, or None for any: outside them,
    # Classify Document sends the result to review whatever its confidence.
    languages: frozenset[str] | None

    def summarize(self, passages: Sequence[Passage], *, max_chars: int) -> Summary:
        """Summarize passages of one document into at most `max_chars` characters.

        Key points cite the page ranges of the passages they come from.
        """
        ...

    def combine(self, summaries: Sequence[Summary], *, max_chars: int) -> Summary:
        """Combine partial summaries of consecutive parts of one document into one."""
        ...

    def classify(self, text: str, labels: LabelSet) -> Classification:
        """Pick one of `labels.names` for `text` (summary plus the document's beginning)."""
        ...


def get_provider(
    name: str, *, model_id: str = "", parallel_calls: int | None = None
) -> ModelProvider:
    """Return the provider called `name`; imports lazily so Lambda bundles need only theirs.
    `parallel_calls` bounds the calls the bedrock provider makes at once for one document."""
    if name == "local":
        from tasks.shared.providers.local import LocalProvider

        return LocalProvider()
    if name == "bedrock":
        from tasks.shared.providers.bedrock import BedrockProvider

        return BedrockProvider(model_id=model_id, parallel_calls=parallel_calls)
    raise ConfigurationError(f"unknown model provider {name!r}: use 'local' or 'bedrock'")
