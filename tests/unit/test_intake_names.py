"""Execution names and document ids: valid for Step Functions whatever the key, stable, readable."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest

from tasks.shared.execution_names import document_id, execution_name

BUCKET = "docpipe-documents"
VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
# Step Functions' own rule for names CloudWatch can log, written out here rather than read
# from the module under test.
STEP_FUNCTIONS_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
DIGEST = re.compile(r"-[0-9a-f]{12}")

HOSTILE_KEYS = {
    "spaces": "incoming/quarterly report 2026.pdf",
    "plus": "incoming/a+b=c.pdf",
    "percent-encoded": "incoming/my%20file.pdf",
    "accents NFC": unicodedata.normalize("NFC", "incoming/résumé.pdf"),
    "accents NFD": unicodedata.normalize("NFD", "incoming/résumé.pdf"),
    "newlines": "incoming/line one\nline two\r\n.pdf",
    "quotes": "incoming/\"quoted\" and 'single'.pdf",
    "forbidden punctuation": 'a<b>{c}[d]?*"#%\\^|~`$&,;:/e.pdf',
    "controls": "a\x00b\x1fc\x7fd.pdf",
    "leading dash": "-rf.pdf",
    "leading underscore": "__init__.pdf",
    "dashes and underscores only": "-_-_-",
    "1,024 ASCII bytes": "incoming/" + "d" * (1024 - len("incoming/") - len(".pdf")) + ".pdf",
    "1,024 UTF-8 bytes": "é" * 512,
    "CJK only": "契約書/報告書",
    "emoji": "📄📄.pdf",
    "dots": "..",
    "punctuation only": "!!!///???",
    "long underscore tail": "a/" + "_" * 200,
}


def digest_of(bucket: str, key: str, version: str) -> str:
    return hashlib.sha256(f"{bucket}/{key}/{version}".encode()).hexdigest()


@pytest.mark.parametrize("key", HOSTILE_KEYS.values(), ids=HOSTILE_KEYS.keys())
def test_a_hostile_key_still_gives_a_valid_name_that_ends_with_the_version_hash(key: str) -> None:
    name = execution_name(BUCKET, key, VERSION)

    assert STEP_FUNCTIONS_NAME.fullmatch(name), name
    assert not name.startswith(("-", "_"))
    assert name.endswith("-" + digest_of(BUCKET, key, VERSION)[:12])


@pytest.mark.parametrize(
    "key", ["契約書/報告書", "---", "..", "!!!///???", "📄", "\u00a0", "-_-_-", "ßΩ"]
)
def test_a_key_with_nothing_readable_is_named_document(key: str) -> None:
    name = execution_name(BUCKET, key, VERSION)

    assert name == "document-" + digest_of(BUCKET, key, VERSION)[:12]


def test_the_name_is_the_readable_key_and_a_short_hash_of_bucket_key_and_version() -> None:
    digest = digest_of(BUCKET, "incoming/Quarterly Report (final).pdf", VERSION)[:12]

    assert (
        execution_name(BUCKET, "incoming/Quarterly Report (final).pdf", VERSION)
        == f"incoming-Quarterly-Report-final-pdf-{digest}"
    )


def test_accents_are_dropped_not_the_letters_they_sit_on() -> None:
    assert execution_name(BUCKET, "Résumé Ünïcödé.pdf", VERSION).startswith("Resume-Unicode-pdf-")
    assert execution_name(BUCKET, "ﬁnal.pdf", VERSION).startswith("final-pdf-")  # fi ligature


def test_the_name_is_deterministic() -> None:
    names = {
        execution_name(BUCKET, key, VERSION) for key in HOSTILE_KEYS.values() for _ in range(3)
    }

    assert len(names) == len(HOSTILE_KEYS)


def test_the_name_differs_by_version_by_bucket_and_by_key() -> None:
    key = "incoming/report.pdf"
    base = execution_name(BUCKET, key, "v1")

    assert execution_name(BUCKET, key, "v2") != base
    assert execution_name("another-bucket", key, "v1") != base
    assert execution_name(BUCKET, "incoming/report.pdf ", "v1") != base


def test_keys_that_read_the_same_get_different_names() -> None:
    # Given keys whose readable forms are identical
    keys = [
        "incoming/a b.pdf",
        "incoming/a+b.pdf",
        "incoming/a?b.pdf",
        "incoming/a\nb.pdf",
        unicodedata.normalize("NFC", "incoming/é.pdf"),
        unicodedata.normalize("NFD", "incoming/é.pdf"),
    ]

    # When they are named
    names = [execution_name(BUCKET, key, VERSION) for key in keys]

    # Then the readable part is shared, and the hash keeps them apart
    assert len({DIGEST.sub("", name) for name in names[:4]}) == 1
    assert len({DIGEST.sub("", name) for name in names[4:]}) == 1
    assert len(set(names)) == len(keys)


def test_many_versions_of_one_key_get_as_many_names() -> None:
    names = {execution_name(BUCKET, "incoming/report.pdf", f"v{n}") for n in range(2000)}

    assert len(names) == 2000


def test_a_long_key_keeps_its_end_the_file_name() -> None:
    # Given a key far longer than 80 characters, whose file name is at the end
    key = "incoming/" + "deeply/nested/folder/" * 40 + "final-quarterly-report.pdf"

    # When it is named
    name = execution_name(BUCKET, key, VERSION)

    # Then the name uses all 80 characters and ends with the file name and the hash
    assert len(name) == 80
    assert STEP_FUNCTIONS_NAME.fullmatch(name)
    assert name.endswith("-final-quarterly-report-pdf-" + digest_of(BUCKET, key, VERSION)[:12])
    assert not name.startswith(("-", "_"))


def test_long_keys_that_differ_only_at_the_start_get_different_names() -> None:
    tail = "/" + "x" * 200 + "/report.pdf"

    first = execution_name(BUCKET, "alpha" + tail, VERSION)
    second = execution_name(BUCKET, "omega" + tail, VERSION)

    assert DIGEST.sub("", first) == DIGEST.sub("", second)  # the shared end is what shows
    assert first != second


def test_a_truncation_that_would_start_with_a_separator_is_trimmed() -> None:
    # 67 characters of room: cut the key so that the kept part starts on a run of dashes
    key = "a" * 50 + "/" + "_" * 10 + "b" * 60

    name = execution_name(BUCKET, key, VERSION)

    assert name.startswith("b")
    assert len(name) <= 80


@pytest.mark.parametrize("key", [*HOSTILE_KEYS.values(), "incoming/report.pdf"])
def test_the_document_id_is_the_sha256_of_bucket_key_and_version(key: str) -> None:
    doc = document_id(BUCKET, key, VERSION)

    assert doc == hashlib.sha256(f"{BUCKET}/{key}/{VERSION}".encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", doc)


def test_the_document_id_differs_where_the_parts_do() -> None:
    ids = {
        document_id("b", "k", "v"),
        document_id("b2", "k", "v"),
        document_id("b", "k2", "v"),
        document_id("b", "k", "v2"),
    }

    assert len(ids) == 4
