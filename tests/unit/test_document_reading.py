"""Reading the uploaded object an event names: keys as events carry them, versions, gone objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tasks.shared.errors import DocumentNotFoundError, DocumentTooLargeError
from tasks.shared.storage import ArtifactStore, event_key_candidates

BUCKET = "docpipe-documents"
LIMIT = 1024


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def read(s3: Any, key: str, version: str | None = None) -> bytes:
    return ArtifactStore(s3, BUCKET).read_document(BUCKET, key, max_bytes=LIMIT, version_id=version)


@pytest.mark.parametrize(
    ("stored", "in_event"),
    [
        ("report%20final.pdf", "report%20final.pdf"),  # a literal %20 in the name
        ("a b+c (1).pdf", "a b+c (1).pdf"),  # a plain key, as EventBridge documents it
        ("a b+c (1).pdf", "a+b%2Bc+%281%29.pdf"),  # the same, form-URL-encoded
        ("Über café.txt", "%C3%9Cber+caf%C3%A9.txt"),
        ("C++ notes.txt", "C++ notes.txt"),
    ],
)
def test_the_object_is_found_whether_the_event_key_is_encoded_or_not(
    s3: Any, stored: str, in_event: str
) -> None:
    version = s3.put_object(Bucket=BUCKET, Key=stored, Body=b"content")["VersionId"]

    assert read(s3, in_event, version) == b"content"


def test_the_key_as_given_wins_when_both_forms_exist(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="a+b.txt", Body=b"literal plus")
    s3.put_object(Bucket=BUCKET, Key="a b.txt", Body=b"space")

    assert read(s3, "a+b.txt") == b"literal plus"
    assert event_key_candidates("a+b.txt") == ["a+b.txt", "a b.txt"]
    assert event_key_candidates("plain.txt") == ["plain.txt"]


def test_the_uploaded_version_is_read_after_an_overwrite(s3: Any) -> None:
    first = s3.put_object(Bucket=BUCKET, Key="memo.txt", Body=b"first")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key="memo.txt", Body=b"second")

    assert read(s3, "memo.txt", first) == b"first"


def test_a_deleted_version_is_document_not_found_naming_it(s3: Any) -> None:
    version = s3.put_object(Bucket=BUCKET, Key="gone.txt", Body=b"x")["VersionId"]
    s3.delete_object(Bucket=BUCKET, Key="gone.txt", VersionId=version)

    with pytest.raises(DocumentNotFoundError, match=f"s3://{BUCKET}/gone.txt \\(version"):
        read(s3, "gone.txt", version)


def test_a_key_that_never_existed_is_document_not_found(s3: Any) -> None:
    with pytest.raises(DocumentNotFoundError, match="deleted before it could be read"):
        read(s3, "never.txt")


def test_an_object_above_the_limit_is_refused_before_it_is_read(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="big.txt", Body=b"x" * (LIMIT + 1))

    with pytest.raises(DocumentTooLargeError, match="1,025 bytes; the limit is 1,024"):
        read(s3, "big.txt")
