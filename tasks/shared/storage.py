"""Artifact storage in S3: where each task reads and writes, and the key layout."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, Protocol

from botocore.exceptions import ClientError

from tasks.shared.errors import DocumentNotFoundError, DocumentTooLargeError

# Every intermediate artifact lives below this prefix (the stack's lifecycle expires it);
# results live below RESULTS_PREFIX and are kept.
ARTIFACTS_PREFIX = "artifacts/"
RESULTS_PREFIX = "results/"

# What S3 answers for a key or version that does not exist (HEAD has no body: "404").
_MISSING = frozenset({"404", "NoSuchKey", "NoSuchVersion", "NotFound"})


class S3Client(Protocol):
    """The part of the boto3 S3 client the tasks use (typed for injection in tests)."""

    def get_object(self, **kwargs: Any) -> Any: ...
    def put_object(self, **kwargs: Any) -> Any: ...
    def head_object(self, **kwargs: Any) -> Any: ...
    def delete_object(self, **kwargs: Any) -> Any: ...


def text_key(document_id: str) -> str:
    """Key of the extracted text and page map."""
    return f"{ARTIFACTS_PREFIX}{document_id}/text.json"


def ocr_input_key(document_id: str, extension: str) -> str:
    """Key of the file the OCR job reads (the pages without a text layer)."""
    return f"{ARTIFACTS_PREFIX}{document_id}/ocr-input.{extension}"


def chunk_key(document_id: str, index: int) -> str:
    """Key of one chunk."""
    return f"{ARTIFACTS_PREFIX}{document_id}/chunks/{index:05d}.json"


def chunk_summary_key(document_id: str, index: int) -> str:
    """Key of the summary of one chunk."""
    return f"{ARTIFACTS_PREFIX}{document_id}/summaries/{index:05d}.json"


def summary_key(document_id: str) -> str:
    """Key of the document summary."""
    return f"{ARTIFACTS_PREFIX}{document_id}/summary.json"


def batch_response_key(record_id: str) -> str:
    """A model response of the batch lane, by its request's record id."""
    return f"{ARTIFACTS_PREFIX}batch/responses/{record_id}.json"


def batch_waiting_key(document_id: str) -> str:
    """The work of a document waiting for the batch lane's answers."""
    return f"{ARTIFACTS_PREFIX}batch/waiting/{document_id}.json"


def batch_job_key(job_name: str, name: str) -> str:
    """A file of a batch inference job (its input records, its documents, its output)."""
    return f"{ARTIFACTS_PREFIX}batch/jobs/{job_name}/{name}"


def result_key(document_id: str) -> str:
    """Key of the final result JSON users read."""
    return f"{RESULTS_PREFIX}{document_id}.json"


def event_key_candidates(key: str) -> list[str]:
    """The object keys an event's key may stand for: as given, then form-URL-decoded.

    S3 notifications to Lambda/SQS/SNS form-URL-encode keys ("a b.pdf" arrives as
    "a+b.pdf"); EventBridge events are documented with plain keys, in which "+" and "%20"
    are literal characters ("report%20final.pdf" is a valid name). Which one an event
    carries cannot be told from the key, so the reader tries both, the key as given first.
    """
    decoded = urllib.parse.unquote_plus(key)
    return [key] if decoded == key else [key, decoded]


class ArtifactStore:
    """Reads documents and reads/writes JSON artifacts; the S3 client is injected."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def read_document(
        self, bucket: str, key: str, *, max_bytes: int, version_id: str | None = None
    ) -> bytes:
        """Read the uploaded version of a document, refusing ones above `max_bytes` first.

        Reading the event's version (not the latest) keeps a later upload to the same key
        from being processed under this execution's document id.
        """
        for candidate in event_key_candidates(key):
            where: dict[str, str] = {"Bucket": bucket, "Key": candidate}
            if version_id:
                where["VersionId"] = version_id
            try:
                head = self._s3.head_object(**where)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    continue
                raise
            size = int(head["ContentLength"])
            if size > max_bytes:
                raise DocumentTooLargeError(
                    f"The document is {size:,} bytes; the limit is {max_bytes:,} bytes."
                )
            body: bytes = self._s3.get_object(**where)["Body"].read()
            return body
        version = f" (version {version_id})" if version_id else ""
        raise DocumentNotFoundError(
            f"The object s3://{bucket}/{key}{version} does not exist: it was deleted before "
            "it could be read."
        )

    def put_json(self, key: str, value: Any) -> None:
        """Write a JSON artifact."""
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(value, ensure_ascii=False).encode("utf-8"),
            ContentType="application/json",
        )

    def delete(self, key: str) -> None:
        """Delete an artifact (nothing when there is none)."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        """Write a binary artifact."""
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get_json_if_exists(self, key: str) -> Any | None:
        """Read a JSON artifact, or None when there is none under `key`."""
        try:
            return self.get_json(key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise

    def get_json(self, key: str) -> Any:
        """Read a JSON artifact."""
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return json.loads(body)
