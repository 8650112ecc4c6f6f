"""Labelled document sets for `docpipe eval`: a seeded synthetic set and BBC News.

    .venv/bin/python -m bench.datasets synthetic OUT [--seed N] [--per-label N]
    .venv/bin/python -m bench.datasets bbc OUT [--limit N] [--seed N]

Each writes its documents under OUT/tune/ and OUT/test/ and, next to them,
`labels-tune.csv` and `labels-test.csv` (columns `file,label`, the file relative to OUT)
and `manifest.csv` (every file with its split, format, language, source and noise, to read
the errors by). File names say nothing about the label. Neither set was used to write the
label descriptions or to tune the classifier: tune on the tune split, report on the test
split.

This module holds what both sets share: the stratified split, the folder checks, the CSVs
and the summary that `__main__` prints.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

SPLITS = ("tune", "test")
TUNE_SHARE = Fraction(1, 3)
MANIFEST = "manifest.csv"


def labels_csv(split: str) -> str:
    """The name of a split's `file,label` CSV, in the set's folder."""
    return f"labels-{split}.csv"


@dataclass(frozen=True)
class LabelledFile:
    """One written document: its path relative to the set's folder ("/"-separated) and facts.

    `source` is what it was made from: a synthetic template's name, or the corpus file.
    """

    file: str
    label: str
    split: str
    format: str
    language: str
    source: str
    noise: tuple[str, ...] = ()
    size: int = 0


@dataclass(frozen=True)
class WrittenSet:
    """What a set writer wrote, for the summary and the tests."""

    name: str
    folder: Path
    seed: int
    files: tuple[LabelledFile, ...]
    seconds: float
    notes: tuple[str, ...] = ()

    def per_label(self) -> dict[str, Counter[str]]:
        """Label -> how many documents of it each split holds (key "total" for all)."""
        counts: dict[str, Counter[str]] = {}
        for item in self.files:
            counter = counts.setdefault(item.label, Counter())
            counter[item.split] += 1
            counter["total"] += 1
        return dict(sorted(counts.items()))

    def describe(self) -> str:
        """A table of documents per label and split, formats, languages and noise."""
        formats = sorted({item.format for item in self.files})
        languages = sorted({item.language for item in self.files})
        by_label: dict[str, list[LabelledFile]] = {}
        for item in self.files:
            by_label.setdefault(item.label, []).append(item)
        header = ["label", *SPLITS, *formats, *languages, "noisy"]
        rows = [header]
        for label, items in sorted(by_label.items()):
            rows.append(_count_row(label, items, formats, languages))
        rows.append(_count_row("all", list(self.files), formats, languages))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        table = [
            "  ".join(
                cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            for row in rows
        ]
        size = sum(item.size for item in self.files)
        lines = [
            f"{self.name}: {len(self.files)} documents, seed {self.seed}, "
            f"{size / 2**20:.1f} MiB in {self.seconds:.1f} s, written to {self.folder}",
            *table,
            "files: " + ", ".join([*(labels_csv(split) for split in SPLITS), MANIFEST]),
            *self.notes,
        ]
        return "\n".join(lines)


def _count_row(
    label: str, items: list[LabelledFile], formats: list[str], languages: list[str]
) -> list[str]:
    splits = Counter(item.split for item in items)
    kinds = Counter(item.format for item in items)
    tongues = Counter(item.language for item in items)
    noisy = sum(1 for item in items if item.noise)
    return [
        label,
        *(str(splits[split]) for split in SPLITS),
        *(str(kinds[kind]) for kind in formats),
        *(str(tongues[language]) for language in languages),
        str(noisy),
    ]


def stratified_split(
    labels: Sequence[str],
    seed: int | str,
    strata: Sequence[str] | None = None,
    tune_share: Fraction = TUNE_SHARE,
) -> list[str]:
    """The split ("tune" or "test") of each item, `tune_share` of every label in "tune".

    Within a label the items are shuffled with the seed and, when `strata` is given (e.g.
    the formats), grouped by stratum before every 1/tune_share-th one goes to tune, so
    each stratum is spread over both splits too. A label of n items gets floor(n x share)
    tune items.
    """
    if strata is not None and len(strata) != len(labels):
        raise ValueError("strata must give one value per item")
    rng = random.Random(f"split:{seed}")
    splits = [SPLITS[1]] * len(labels)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    for label in sorted(by_label):
        indexes = by_label[label]
        rng.shuffle(indexes)
        if strata is not None:
            layers = strata
            indexes.sort(key=lambda index: layers[index])  # stable: shuffled within a stratum
        for position, index in enumerate(indexes):
            if math.floor((position + 1) * tune_share) > math.floor(position * tune_share):
                splits[index] = SPLITS[0]
    return splits


def prepare_folder(folder: Path) -> Path:
    """Create `folder` with its split folders; refuse to mix a new set with an old one."""
    folder = folder.resolve()
    for split in SPLITS:
        existing = folder / split
        if existing.exists() and any(existing.iterdir()):
            raise FileExistsError(
                f"{existing} already holds files: write the set to a new or empty folder"
            )
        existing.mkdir(parents=True, exist_ok=True)
    return folder


def write_csvs(folder: Path, files: Iterable[LabelledFile]) -> None:
    """`labels-<split>.csv` (file,label) for each split and the manifest, sorted by file."""
    ordered = sorted(files, key=lambda item: item.file)
    for split in SPLITS:
        rows = [(item.file, item.label) for item in ordered if item.split == split]
        _write_csv(folder / labels_csv(split), ("file", "label"), rows)
    _write_csv(
        folder / MANIFEST,
        ("file", "label", "split", "format", "language", "source", "noise", "bytes"),
        [
            (
                item.file,
                item.label,
                item.split,
                item.format,
                item.language,
                item.source,
                "+".join(item.noise),
                str(item.size),
            )
            for item in ordered
        ],
    )


def read_labels_csv(path: Path) -> list[tuple[str, str]]:
    """The (file, label) rows of a `labels-<split>.csv`."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["file"], row["label"]) for row in csv.DictReader(handle)]


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    # "\n" endings whatever the platform: the bytes are part of what a seed reproduces.
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
