"""Artifact storage in S3: where each task reads and writes, and the key layout."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, Protocol

from tasks.shared.errors import DocumentTooLargeError


class S3Client(Protocol):
    """The part of the boto3 S3 client the tasks use (typed for injection in tests)."""

    def get_object(self, **kwargs: Any) -> Any: ...
    def put_object(self, **kwargs: Any) -> Any: ...
    def head_object(self, **kwargs: Any) -> Any: ...


def text_key(document_id: str) -> str:
    """Key of the extracted text and page map."""
    return f"artifacts/{document_id}/text.json"


def ocr_input_key(document_id: str, extension: str) -> str:
    """Key of the file the OCR job reads (the pages without a text layer)."""
    return f"artifacts/{document_id}/ocr-input.{extension}"


def chunk_key(document_id: str, index: int) -> str:
    """Key of one chunk."""
    return f"artifacts/{document_id}/chunks/{index:05d}.json"


def chunk_summary_key(document_id: str, index: int) -> str:
    """Key of the summary of one chunk."""
    return f"artifacts/{document_id}/summaries/{index:05d}.json"


def summary_key(document_id: str) -> str:
    """Key of the document summary."""
    return f"artifacts/{document_id}/summary.json"


def result_key(document_id: str) -> str:
    """Key of the final result JSON users read."""
    return f"results/{document_id}.json"


def decode_event_key(key: str) -> str:
    """Object key as S3 stores it.

    S3 notifications to Lambda/SQS/SNS form-URL-encode keys; EventBridge events are
    documented with plain keys. Decode only when the key is clearly encoded, so a plain key
    containing '+' keeps it.
    """
    if "%" in key and urllib.parse.unquote(key) != key:
        return urllib.parse.unquote_plus(key)
    return key


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
        where: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id:
            where["VersionId"] = version_id
        head = self._s3.head_object(**where)
        size = int(head["ContentLength"])
        if size > max_bytes:
            raise DocumentTooLargeError(
                f"document is {size:,} bytes; the limit is {max_bytes:,} bytes"
            )
        body: bytes = self._s3.get_object(**where)["Body"].read()
        return body

    def put_json(self, key: str, value: Any) -> None:
        """Write a JSON artifact."""
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(value, ensure_ascii=False).encode("utf-8"),
            ContentType="application/json",
        )

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        """Write a binary artifact."""
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get_json(self, key: str) -> Any:
        """Read a JSON artifact."""
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return json.loads(body)
