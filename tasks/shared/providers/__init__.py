"""Model providers: one interface, chosen by `DOCPIPE_MODEL_PROVIDER` (`local` or `bedrock`)."""

from __future__ import annotations

from tasks.shared.providers.base import ModelProvider, get_provider

__all__ = ["ModelProvider", "get_provider"]
