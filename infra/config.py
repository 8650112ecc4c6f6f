"""Where the infrastructure's inputs live, and the stack's settings from CDK context."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.catalog import TASK_FUNCTIONS
from tasks.shared.errors import ConfigurationError
from tasks.shared.labels import DEFAULT_LABELS_FILE, load_labels
from tasks.shared.settings import DEFAULT_MODEL_CALLS_PER_DOCUMENT

if TYPE_CHECKING:  # importing constructs starts jsii's node process; config stays light
    from constructs import Node

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TASKS_DIR = PROJECT_ROOT / "tasks"
PYPROJECT = PROJECT_ROOT / "pyproject.toml"
CDK_JSON = PROJECT_ROOT / "cdk.json"
PIPELINE_ASL = PROJECT_ROOT / "statemachines" / "document_pipeline.asl.json"
# Feeds objects already in the bucket through the intake (docpipe backfill).
BACKFILL_ASL = PROJECT_ROOT / "statemachines" / "backfill.asl.json"
TRIGGER_PATTERN = PROJECT_ROOT / "statemachines" / "document_trigger.pattern.json"

# The stack app.py synthesizes; the commands' `--aws` reads it unless `--stack` names another.
STACK_NAME = "Docpipe"
# The documents table's index by object key (`docpipe status s3://BUCKET/KEY`): the key and
# the registration time (ISO 8601, a string) Register Document writes, all attributes
# projected, so a key's records come back newest first in one query.
DOCUMENTS_BY_KEY_INDEX = "by-object-key"
DOCUMENTS_BY_KEY_PARTITION = "object_key"
DOCUMENTS_BY_KEY_SORT = "registered_at"

DEFAULT_INCOMING_PREFIX = "incoming/"
# The default model: Amazon Nova Micro, the lowest-priced current text model on Bedrock
# ($0.035 / $0.14 per million input / output tokens, tasks/shared/prices.json), with a
# 128k context, Converse tool use with a forced tool choice, and prompt caching.
DEFAULT_MODEL_ID = "amazon.nova-micro-v1:0"
DEFAULT_MAX_DOCUMENT_TOKENS = 1_500_000
# The labels the tasks ship with; `labelsFile` names another (relative to the project root).
DEFAULT_LABELS_PATH = DEFAULT_LABELS_FILE.relative_to(PROJECT_ROOT).as_posix()
# Extraction limits, the defaults of tasks/shared/settings.py (DOCPIPE_MAX_*).
DEFAULT_MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_CHARACTERS = 20_000_000
DEFAULT_MAX_EXTRACT_SECONDS = 240
# Concurrent executions reserved for (and capping) each model function. The Map runs at most
# modelCallsPerDocument Summarize Chunk calls per document, but every document's execution
# runs its own Map, so without a cap N concurrent documents make up to N times that many.
# With the cap, Bedrock sees at most 3 x modelConcurrency calls in flight (three model
# functions), about modelConcurrency x 60 / (seconds per call) requests per minute per
# function: 8 calls of ~5 s each are ~100 requests per minute, under the default on-demand
# quotas of the small models. Calls over the cap are throttled by Lambda and retried by the
# state machine.
DEFAULT_MODEL_CONCURRENCY = 8
# Documents running at once (executions holding a lease in the semaphore); the starter
# leaves the others waiting in the intake queue. Sized from the model's quota: each running
# document makes up to modelCallsPerDocument model calls at once, each reserving its input +
# maxTokens of the tokens-per-minute quota; the README shows the sum.
DEFAULT_MAX_CONCURRENT_DOCUMENTS = 8
# Model calls one document makes at once: the Summarize Chunks Map's concurrency, which
# Chunk Text hands to the Map (MaxConcurrencyPath). More makes a long document's summary
# sooner at the same quota share per call; an inline Map runs at most 40 iterations at once.
# The default is the tasks' own (DEFAULT_MODEL_CALLS_PER_DOCUMENT, tasks/shared/settings.py).
INLINE_MAP_MAX_CONCURRENCY = 40
# Lifecycle of the documents bucket: intermediate artifacts (artifacts/<document id>/: the
# extracted text, chunks, partial summaries, OCR input) are what the console's document page
# and a replay's trace read; results/ and the uploads themselves are kept. Old versions of
# any object (an upload overwritten, a replaced result) expire after their own period; a
# replay of a version older than that fails DocumentNotFoundError.
# The batch lane (tasks/batch_lane): uploads under this prefix (inside the incoming prefix,
# so their upload starts the pipeline) have their model calls answered by Bedrock batch
# inference at half the on-demand price. A job is created once a model has batchMinRecords
# queued requests (Bedrock's per-model minimum, a quota: 100 by default); a request that
# has waited batchMaxWaitSeconds is answered on demand instead.
DEFAULT_BATCH_PREFIX = ""  # empty: "batch/" inside the incoming prefix
DEFAULT_BATCH_MIN_RECORDS = 100
DEFAULT_BATCH_MAX_WAIT_SECONDS = 3600
DEFAULT_ARTIFACT_RETENTION_DAYS = 30
DEFAULT_NONCURRENT_VERSION_DAYS = 90

# Bedrock model ids are letters, digits and . - : _ (e.g. amazon.nova-micro-v1:0,
# us.anthropic.claude-haiku-4-5-20251001-v1:0); anything else would end up inside an ARN.
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$")

_EXTRACT_TIMEOUT_SECONDS = next(
    task.timeout_seconds for task in TASK_FUNCTIONS if task.package == "extract_text"
)


@dataclass(frozen=True)
class DocpipeConfig:
    """The stack's settings: CDK context values (`-c key=value` or cdk.json) over defaults.

    Context keys: incomingPrefix, modelId, budgetModelId, maxDocumentTokens, labelsFile,
    maxDocumentBytes, maxPages, maxCharacters, maxExtractSeconds, modelConcurrency,
    modelCallsPerDocument, maxConcurrentDocuments, artifactRetentionDays,
    noncurrentVersionDays, batchPrefix, batchMinRecords, batchMaxWaitSeconds, alarmEmail. The
    review threshold lives in the labels file (`review_threshold`).

    `maxConcurrentDocuments` caps the executions running at once: the intake's starter
    admits a document only while fewer hold a lease, and leaves the rest in the intake queue
    (DOCPIPE_MAX_CONCURRENT_DOCUMENTS of the starter function).
    """

    incoming_prefix: str = DEFAULT_INCOMING_PREFIX
    model_id: str = DEFAULT_MODEL_ID
    # Documents above `max_document_tokens` go to `budget_model_id`, or fail with
    # BudgetExceededError when it is empty.
    budget_model_id: str = ""
    max_document_tokens: int = DEFAULT_MAX_DOCUMENT_TOKENS
    # The labels JSON deployed with Classify Document; relative paths are from the project
    # root. Validated at synth with the tasks' own loader.
    labels_file: str = DEFAULT_LABELS_PATH
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    max_characters: int = DEFAULT_MAX_CHARACTERS
    max_extract_seconds: int = DEFAULT_MAX_EXTRACT_SECONDS
    model_concurrency: int = DEFAULT_MODEL_CONCURRENCY
    model_calls_per_document: int = DEFAULT_MODEL_CALLS_PER_DOCUMENT
    max_concurrent_documents: int = DEFAULT_MAX_CONCURRENT_DOCUMENTS
    artifact_retention_days: int = DEFAULT_ARTIFACT_RETENTION_DAYS
    noncurrent_version_days: int = DEFAULT_NONCURRENT_VERSION_DAYS
    batch_prefix: str = DEFAULT_BATCH_PREFIX
    batch_min_records: int = DEFAULT_BATCH_MIN_RECORDS
    batch_max_wait_seconds: int = DEFAULT_BATCH_MAX_WAIT_SECONDS
    # Where the alarms are e-mailed (an SNS e-mail subscription); None: no subscription.
    # Passed as it is: the monitoring construct, which subscribes it, validates it.
    alarm_email: str | None = None

    @property
    def model_ids(self) -> tuple[str, ...]:
        """Every model the functions may call."""
        return (self.model_id, self.budget_model_id) if self.budget_model_id else (self.model_id,)

    @property
    def batch_key_prefix(self) -> str:
        """The uploads the batch lane takes: `batchPrefix`, or batch/ inside the incoming
        prefix."""
        return self.batch_prefix or f"{self.incoming_prefix}batch/"

    @property
    def labels_path(self) -> Path:
        """The labels file as an absolute path."""
        path = Path(self.labels_file)
        return path if path.is_absolute() else PROJECT_ROOT / path

    def __post_init__(self) -> None:
        if not self.incoming_prefix or self.incoming_prefix.startswith("/"):
            raise ValueError(
                f"incomingPrefix must be a non-empty S3 key prefix, got {self.incoming_prefix!r}"
            )
        prefix = self.batch_key_prefix
        if prefix == self.incoming_prefix or not prefix.startswith(self.incoming_prefix):
            raise ValueError(
                f"batchPrefix must lie inside incomingPrefix {self.incoming_prefix!r}, "
                f"got {prefix!r}"
            )
        if any(c in prefix for c in "*\\?"):
            raise ValueError(f"batchPrefix must hold no wildcard, got {prefix!r}")
        if not _MODEL_ID.match(self.model_id):
            raise ValueError(f"modelId is not a Bedrock model id: {self.model_id!r}")
        if self.budget_model_id and not _MODEL_ID.match(self.budget_model_id):
            raise ValueError(f"budgetModelId is not a Bedrock model id: {self.budget_model_id!r}")
        for name, value in (
            ("maxDocumentTokens", self.max_document_tokens),
            ("maxDocumentBytes", self.max_document_bytes),
            ("maxPages", self.max_pages),
            ("maxCharacters", self.max_characters),
            ("maxExtractSeconds", self.max_extract_seconds),
            ("modelConcurrency", self.model_concurrency),
            ("modelCallsPerDocument", self.model_calls_per_document),
            ("maxConcurrentDocuments", self.max_concurrent_documents),
            ("artifactRetentionDays", self.artifact_retention_days),
            ("noncurrentVersionDays", self.noncurrent_version_days),
            ("batchMinRecords", self.batch_min_records),
            ("batchMaxWaitSeconds", self.batch_max_wait_seconds),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive: {value}")
        if self.model_calls_per_document > INLINE_MAP_MAX_CONCURRENCY:
            # Step Functions runs an inline Map's iterations at most 40 at once. (Above
            # modelConcurrency the model function's reserved concurrency throttles the calls
            # and the state machine retries them: allowed, but only worth it for a while.)
            raise ValueError(
                f"modelCallsPerDocument must be at most {INLINE_MAP_MAX_CONCURRENCY} (an inline "
                f"Map's concurrency on AWS): {self.model_calls_per_document}"
            )
        if self.max_extract_seconds >= _EXTRACT_TIMEOUT_SECONDS:
            # Past the function's timeout the Lambda is killed (States.Timeout) instead of
            # failing with ExtractionTimeoutError, and the rest of the task never runs.
            raise ValueError(
                f"maxExtractSeconds ({self.max_extract_seconds}) must be below Extract Text's "
                f"Lambda timeout of {_EXTRACT_TIMEOUT_SECONDS} s"
            )
        try:
            load_labels(self.labels_path)
        except ConfigurationError as exc:
            raise ValueError(f"labelsFile: {exc}") from exc

    @classmethod
    def from_context(cls, node: Node) -> DocpipeConfig:
        """Read the settings from the context keys listed on the class; absent or empty
        values take the defaults."""

        def text(key: str, default: str) -> str:
            value = node.try_get_context(key)
            return str(value).strip() if value not in (None, "") else default

        def number(key: str, default: int) -> int:
            value = node.try_get_context(key)
            if value in (None, ""):
                return default
            # `-c key=value` passes strings; cdk.json passes numbers. bool is no number here.
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(f"{key} must be an integer, got {value!r}")
            try:
                return int(value)
            except ValueError as exc:
                raise ValueError(f"{key} must be an integer, got {value!r}") from exc

        return cls(
            incoming_prefix=text("incomingPrefix", DEFAULT_INCOMING_PREFIX),
            model_id=text("modelId", DEFAULT_MODEL_ID),
            budget_model_id=text("budgetModelId", ""),
            max_document_tokens=number("maxDocumentTokens", DEFAULT_MAX_DOCUMENT_TOKENS),
            labels_file=text("labelsFile", DEFAULT_LABELS_PATH),
            max_document_bytes=number("maxDocumentBytes", DEFAULT_MAX_DOCUMENT_BYTES),
            max_pages=number("maxPages", DEFAULT_MAX_PAGES),
            max_characters=number("maxCharacters", DEFAULT_MAX_CHARACTERS),
            max_extract_seconds=number("maxExtractSeconds", DEFAULT_MAX_EXTRACT_SECONDS),
            model_concurrency=number("modelConcurrency", DEFAULT_MODEL_CONCURRENCY),
            model_calls_per_document=number(
                "modelCallsPerDocument", DEFAULT_MODEL_CALLS_PER_DOCUMENT
            ),
            max_concurrent_documents=number(
                "maxConcurrentDocuments", DEFAULT_MAX_CONCURRENT_DOCUMENTS
            ),
            artifact_retention_days=number(
                "artifactRetentionDays", DEFAULT_ARTIFACT_RETENTION_DAYS
            ),
            noncurrent_version_days=number(
                "noncurrentVersionDays", DEFAULT_NONCURRENT_VERSION_DAYS
            ),
            batch_prefix=text("batchPrefix", DEFAULT_BATCH_PREFIX),
            batch_min_records=number("batchMinRecords", DEFAULT_BATCH_MIN_RECORDS),
            batch_max_wait_seconds=number("batchMaxWaitSeconds", DEFAULT_BATCH_MAX_WAIT_SECONDS),
            alarm_email=text("alarmEmail", "") or None,
        )


def stack_tags(stack_name: str) -> dict[str, str]:
    """The tags app.py puts on every resource of the stack `stack_name`."""
    return {"project": "docpipe", "docpipe:stack": stack_name}


def pipeline_timeout_seconds(path: Path = PIPELINE_ASL) -> int:
    """The state machine's own time limit (`TimeoutSeconds` at the top of the ASL file)."""
    definition = json.loads(path.read_text(encoding="utf-8"))
    timeout = definition.get("TimeoutSeconds")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"{path}: TimeoutSeconds must be a positive integer, got {timeout!r}")
    return timeout


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
