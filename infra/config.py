"""Where the infrastructure's inputs live, and the stack's settings from CDK context."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing constructs starts jsii's node process; config stays light
    from constructs import Node

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TASKS_DIR = PROJECT_ROOT / "tasks"
PYPROJECT = PROJECT_ROOT / "pyproject.toml"
CDK_JSON = PROJECT_ROOT / "cdk.json"
PIPELINE_ASL = PROJECT_ROOT / "statemachines" / "document_pipeline.asl.json"
TRIGGER_PATTERN = PROJECT_ROOT / "statemachines" / "document_trigger.pattern.json"

DEFAULT_INCOMING_PREFIX = "incoming/"
# The default model: Amazon Nova Micro, the lowest-priced current text model on Bedrock
# ($0.035 / $0.14 per million input / output tokens, tasks/shared/prices.json), with a
# 128k context, Converse tool use with a forced tool choice, and prompt caching.
DEFAULT_MODEL_ID = "amazon.nova-micro-v1:0"
DEFAULT_MAX_DOCUMENT_TOKENS = 1_500_000

# Bedrock model ids are letters, digits and . - : _ (e.g. amazon.nova-micro-v1:0,
# us.anthropic.claude-haiku-4-5-20251001-v1:0); anything else would end up inside an ARN.
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$")


@dataclass(frozen=True)
class DocpipeConfig:
    """The stack's settings: CDK context values (`-c key=value` or cdk.json) over defaults."""

    incoming_prefix: str = DEFAULT_INCOMING_PREFIX
    model_id: str = DEFAULT_MODEL_ID
    # Documents above `max_document_tokens` go to `budget_model_id`, or fail with
    # BudgetExceededError when it is empty.
    budget_model_id: str = ""
    max_document_tokens: int = DEFAULT_MAX_DOCUMENT_TOKENS

    @property
    def model_ids(self) -> tuple[str, ...]:
        """Every model the functions may call."""
        return (self.model_id, self.budget_model_id) if self.budget_model_id else (self.model_id,)

    def __post_init__(self) -> None:
        if not self.incoming_prefix or self.incoming_prefix.startswith("/"):
            raise ValueError(
                f"incomingPrefix must be a non-empty S3 key prefix, got {self.incoming_prefix!r}"
            )
        if not _MODEL_ID.match(self.model_id):
            raise ValueError(f"modelId is not a Bedrock model id: {self.model_id!r}")
        if self.budget_model_id and not _MODEL_ID.match(self.budget_model_id):
            raise ValueError(f"budgetModelId is not a Bedrock model id: {self.budget_model_id!r}")
        if self.max_document_tokens <= 0:
            raise ValueError(f"maxDocumentTokens must be positive: {self.max_document_tokens}")

    @classmethod
    def from_context(cls, node: Node) -> DocpipeConfig:
        """Read `incomingPrefix`, `modelId`, `budgetModelId` and `maxDocumentTokens`."""
        prefix = node.try_get_context("incomingPrefix")
        model_id = node.try_get_context("modelId")
        budget_model_id = node.try_get_context("budgetModelId")
        max_tokens = node.try_get_context("maxDocumentTokens")
        return cls(
            incoming_prefix=str(prefix) if prefix else DEFAULT_INCOMING_PREFIX,
            model_id=str(model_id) if model_id else DEFAULT_MODEL_ID,
            budget_model_id=str(budget_model_id) if budget_model_id else "",
            max_document_tokens=int(max_tokens) if max_tokens else DEFAULT_MAX_DOCUMENT_TOKENS,
        )


def cdk_json_context() -> dict[str, Any]:
    """The `context` block of cdk.json: feature flags and the project's defaults.

    The CDK CLI passes it to app.py itself; tests and `CDK_OUTDIR=... python app.py` read it
    here so that they synthesize the same template the CLI does.
    """
    if not CDK_JSON.is_file():
        return {}
    context = json.loads(CDK_JSON.read_text(encoding="utf-8")).get("context", {})
    if not isinstance(context, dict):
        raise ValueError(f"{CDK_JSON}: 'context' must be an object")
    return context
