"""Settings of the task Lambdas, read once from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from tasks.shared.errors import ConfigurationError


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def _positive(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1, got {value}")
    return value


# Chunk size per provider. A Bedrock model reads long chunks well (Nova Micro has a 128k
# context): 8,000-token chunks keep the per-call prompt overhead and the partial summaries,
# which the combine step reads again, to a few percent of the document's tokens. The local
# model embeds sentences, so smaller chunks only buy Map parallelism.
DEFAULT_CHUNK_TOKENS = {"bedrock": 8000, "local": 1500}

# Model calls one document makes at once (its chunks summarized in parallel). Sized from the
# model's quota together with the cap on documents running at once (README, "Sizing the
# cap"); an inline Map runs at most 40 iterations at once on AWS.
DEFAULT_MODEL_CALLS_PER_DOCUMENT = 4

OCR_TEXTRACT = "textract"
OCR_OFF = "off"
OCR_MODES = (OCR_TEXTRACT, OCR_OFF)


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name) or default
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Everything a task reads from its environment."""

    artifact_bucket: str
    table_name: str
    model_provider: str
    model_id: str
    labels_file: str | None
    chunk_tokens: int
    chunk_overlap_tokens: int
    summary_chars: int
    classify_prefix_chars: int
    max_document_bytes: int
    max_pages: int
    max_characters: int
    max_extract_seconds: float
    max_extract_memory_mb: int
    max_unzipped_bytes: int
    max_cells: int
    max_document_tokens: int
    budget_model_id: str
    # Model calls one document makes at once: the Summarize Chunks Map's concurrency (Chunk
    # Text hands it to the Map) and the combine step's groups.
    model_calls_per_document: int
    ocr: str
    ocr_unavailable_reason: str
    # The intake (start_pipeline, execution_ended, reconcile_leases).
    state_machine_arn: str
    lease_table_name: str
    max_concurrent_documents: int
    processing_timeout_seconds: int
    lease_grace_seconds: int
    admission_retry_seconds: int
    admission_max_delay_seconds: int
    # The batch lane (tasks/batch_lane).
    batch_requests_queue_url: str
    batch_resume_queue_url: str
    batch_role_arn: str
    batch_min_records: int
    batch_max_wait_seconds: int

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings; malformed values raise ConfigurationError."""
        provider = os.environ.get("DOCPIPE_MODEL_PROVIDER", "bedrock")
        return cls(
            artifact_bucket=os.environ.get("DOCPIPE_ARTIFACT_BUCKET", ""),
            table_name=os.environ.get("DOCPIPE_TABLE_NAME", ""),
            model_provider=provider,
            model_id=os.environ.get("DOCPIPE_MODEL_ID", "amazon.nova-micro-v1:0"),
            labels_file=os.environ.get("DOCPIPE_LABELS_FILE") or None,
            chunk_tokens=_int("DOCPIPE_CHUNK_TOKENS", DEFAULT_CHUNK_TOKENS.get(provider, 1500)),
            chunk_overlap_tokens=_int("DOCPIPE_CHUNK_OVERLAP_TOKENS", 100),
            summary_chars=_int("DOCPIPE_SUMMARY_CHARS", 1200),
            classify_prefix_chars=_int("DOCPIPE_CLASSIFY_PREFIX_CHARS", 2000),
            max_document_bytes=_int("DOCPIPE_MAX_DOCUMENT_BYTES", 50 * 1024 * 1024),
            max_pages=_int("DOCPIPE_MAX_PAGES", 2000),
            max_characters=_int("DOCPIPE_MAX_CHARACTERS", 20_000_000),
            max_extract_seconds=float(_int("DOCPIPE_MAX_EXTRACT_SECONDS", 240)),
            # What the extraction's child process may add to its address space (Extract
            # Text has 1,024 MB: this leaves room for the task and the document itself).
            max_extract_memory_mb=_positive("DOCPIPE_MAX_EXTRACT_MEMORY_MB", 640),
            max_unzipped_bytes=_positive("DOCPIPE_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024),
            max_cells=_positive("DOCPIPE_MAX_CELLS", 5_000_000),
            max_document_tokens=_int("DOCPIPE_MAX_DOCUMENT_TOKENS", 1_500_000),
            budget_model_id=os.environ.get("DOCPIPE_BUDGET_MODEL_ID", ""),
            model_calls_per_document=_positive(
                "DOCPIPE_MODEL_CALLS_PER_DOCUMENT", DEFAULT_MODEL_CALLS_PER_DOCUMENT
            ),
            ocr=_choice("DOCPIPE_OCR", "textract", OCR_MODES),
            ocr_unavailable_reason=os.environ.get(
                "DOCPIPE_OCR_UNAVAILABLE_REASON", "OCR is switched off (DOCPIPE_OCR=off)."
            ),
            state_machine_arn=os.environ.get("DOCPIPE_STATE_MACHINE_ARN", ""),
            lease_table_name=os.environ.get("DOCPIPE_LEASE_TABLE_NAME", ""),
            max_concurrent_documents=_positive("DOCPIPE_MAX_CONCURRENT_DOCUMENTS", 8),
            processing_timeout_seconds=_positive("DOCPIPE_PROCESSING_TIMEOUT_SECONDS", 21600),
            lease_grace_seconds=_int("DOCPIPE_LEASE_GRACE_SECONDS", 300),
            # A full house hands a message back for about this long, doubling per receive
            # up to the maximum (whole seconds: SQS visibility timeouts are integers).
            admission_retry_seconds=_positive("DOCPIPE_ADMISSION_RETRY_SECONDS", 5),
            admission_max_delay_seconds=_positive("DOCPIPE_ADMISSION_MAX_DELAY_SECONDS", 60),
            batch_requests_queue_url=os.environ.get("DOCPIPE_BATCH_REQUESTS_QUEUE_URL", ""),
            batch_resume_queue_url=os.environ.get("DOCPIPE_BATCH_RESUME_QUEUE_URL", ""),
            batch_role_arn=os.environ.get("DOCPIPE_BATCH_ROLE_ARN", ""),
            # Bedrock's per-model minimum of records per batch inference job (its quota).
            batch_min_records=_positive("DOCPIPE_BATCH_MIN_RECORDS", 100),
            # A request waits at most this long for the minimum; then it is called on demand.
            batch_max_wait_seconds=_positive("DOCPIPE_BATCH_MAX_WAIT_SECONDS", 3600),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached: Lambda environments do not change while warm)."""
    return Settings.from_env()
