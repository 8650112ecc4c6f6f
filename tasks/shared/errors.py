"""The project's error classes. A class name is the error name the ASL's Retry/Catch match.

Bad input (subclasses of `BadInputError`) is never retried: it goes straight to the failure
path. Model faults are split into retryable (`ModelThrottledError`, `ModelUnavailableError`)
and terminal (`ModelInvocationError`, `ModelOutputError`).
"""

from __future__ import annotations


class DocpipeError(Exception):
    """Base class of every error the tasks raise on purpose."""


class BadInputError(DocpipeError):
    """The document itself cannot be processed; retrying will not help."""


class UnsupportedDocumentError(BadInputError):
    """The content is of a type the pipeline does not handle."""


class CorruptDocumentError(BadInputError):
    """The content claims a known type but cannot be parsed."""


class EncryptedDocumentError(BadInputError):
    """The document is encrypted or password-protected."""


class EmptyDocumentError(BadInputError):
    """The document holds no extractable text."""


class DocumentNotFoundError(BadInputError):
    """The uploaded object (its version) no longer exists when the pipeline reads it."""


class DocumentTooLargeError(BadInputError):
    """The document exceeds a configured size limit."""


class ExtractionTimeoutError(BadInputError):
    """Extraction ran past its configured time bound (`DOCPIPE_MAX_EXTRACT_SECONDS`)."""


class OcrUnavailableError(DocpipeError):
    """Pages need OCR but no OCR engine is configured (offline: tesseract is not installed)."""


class OcrFailedError(BadInputError):
    """The OCR job (Textract text detection, or tesseract offline) failed on the document."""


class OcrTimeoutError(DocpipeError):
    """The OCR job did not finish within the state machine's polling bound."""


class BudgetExceededError(DocpipeError):
    """The document's estimated tokens exceed the per-document cap; no model was called."""


class ModelThrottledError(DocpipeError):
    """The model service throttled the call; the state machine retries with a long backoff."""


class ModelUnavailableError(DocpipeError):
    """The model timed out, is not ready or is unavailable; retried by the state machine."""


class ModelInvocationError(DocpipeError):
    """The model call was rejected (validation, access, unknown model); not retried."""


class ModelContextExceededError(ModelInvocationError):
    """The model refused a request longer than its context window (a Bedrock
    ValidationException saying the input is too long): the chunk budget is too large for it."""


class ModelOutputError(DocpipeError):
    """The model answered, but not in the required structure; not retried."""


class ConfigurationError(DocpipeError):
    """A setting or configuration file is missing or invalid."""


class IntakeFullError(DocpipeError):
    """The cap on running executions is reached: the intake message goes back to its queue."""


class IntakeMessageError(DocpipeError):
    """An intake message is not an S3 "Object Created" event the pipeline can start from."""
