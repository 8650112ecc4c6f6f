"""The labels of an evaluation set: a CSV with the columns `file,label`, each row matched to
one of the files given on the command line.

A row's `file` is first read as a path, relative to the CSV's folder (or absolute); when that
names a given file, it is the match. Otherwise a bare name (no folder part) is matched against
the names of the given files and must name exactly one. Given files that no row labels are
returned, not refused: a set may be evaluated on part of its files."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docpipe.errors import UsageError

FILE_COLUMN = "file"
LABEL_COLUMN = "label"


class LabelsFileError(UsageError):
    """The labels CSV cannot be used (a ValueError, and a usage error for the command)."""


class MissingLabelColumnError(LabelsFileError):
    """The CSV's header lacks `file` or `label` (or there is no header)."""


class UnmatchedLabelRowError(LabelsFileError):
    """A row names no file among those given."""


class AmbiguousLabelRowError(LabelsFileError):
    """A row's bare file name is the name of two or more given files."""


class ConflictingLabelsError(LabelsFileError):
    """Two rows give one file different labels."""


@dataclass(frozen=True)
class LabelledFile:
    """A given file and its true label."""

    path: Path
    label: str


@dataclass(frozen=True)
class LabelledSet:
    """The labelled files in the order they were given, and the given files left unlabelled."""

    files: list[LabelledFile]
    unlabelled: list[Path]

    def label_of(self, path: Path | str) -> str | None:
        """The label of a given file (as it was given), None when it has none."""
        wanted = Path(path)
        return next((item.label for item in self.files if item.path == wanted), None)


def read_labels(csv_path: Path | str, files: Sequence[Path | str]) -> LabelledSet:
    """Reads the labels CSV at `csv_path` (UTF-8, with or without a BOM; a header naming the
    columns `file` and `label`, in any order, other columns ignored; blank lines skipped) and
    matches its rows to `files`. Returns the labelled files in the order of `files` (each path
    as given) and those left unlabelled. Raises a LabelsFileError subclass naming the file and
    line: MissingLabelColumnError, UnmatchedLabelRowError, AmbiguousLabelRowError,
    ConflictingLabelsError; LabelsFileError itself for an unreadable file or an empty cell."""
    csv_path = Path(csv_path)
    given = [Path(f) for f in files]
    resolved = [path.resolve() for path in given]
    rows = _rows(csv_path)
    base = csv_path.resolve().parent
    labels: dict[Path, tuple[str, int]] = {}
    for line, name, label in rows:
        target = _match(name, base, given, resolved, f"{csv_path}:{line}")
        if target in labels and labels[target][0] != label:
            earlier_label, earlier_line = labels[target]
            raise ConflictingLabelsError(
                f"{csv_path}:{line}: {target} is labelled {label!r}, but line "
                f"{earlier_line} labels it {earlier_label!r}"
            )
        labels.setdefault(target, (label, line))
    return LabelledSet(
        files=[
            LabelledFile(path, labels[key][0])
            for path, key in zip(given, resolved, strict=True)
            if key in labels
        ],
        unlabelled=[path for path, key in zip(given, resolved, strict=True) if key not in labels],
    )


def _rows(csv_path: Path) -> list[tuple[int, str, str]]:
    """(line number, file cell, label cell) of every non-blank row after the header."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelsFileError(f"{csv_path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise LabelsFileError(f"cannot read labels file {csv_path}: {exc.strerror}") from exc
    reader = csv.reader(text.splitlines())
    records = ((reader.line_num, row) for row in reader if any(cell.strip() for cell in row))
    header = next(records, None)
    columns = [cell.strip().lower() for cell in header[1]] if header else []
    missing = [c for c in (FILE_COLUMN, LABEL_COLUMN) if c not in columns]
    if missing:
        found = ", ".join(repr(c) for c in columns) if columns else "no header"
        raise MissingLabelColumnError(
            f"{csv_path}: the header must name the columns 'file' and 'label'; "
            f"missing {', '.join(repr(c) for c in missing)} (found {found})"
        )
    file_at, label_at = columns.index(FILE_COLUMN), columns.index(LABEL_COLUMN)
    rows = []
    for line, row in records:
        name = row[file_at].strip() if file_at < len(row) else ""
        label = row[label_at].strip() if label_at < len(row) else ""
        if not name or not label:
            empty = "file" if not name else "label"
            raise LabelsFileError(f"{csv_path}:{line}: the {empty} cell is empty")
        rows.append((line, name, label))
    return rows


def _match(name: str, base: Path, given: list[Path], resolved: list[Path], where: str) -> Path:
    """The resolved path of the given file a row's `file` cell names."""
    as_path = Path(name)
    candidate = (base / as_path).resolve()
    if candidate in resolved:
        return candidate
    if as_path.name != name:
        raise UnmatchedLabelRowError(
            f"{where}: {name!r} ({candidate}) is not one of the given files"
        )
    # A file given twice (or under two spellings) is still one file.
    same_name = {key: path for path, key in zip(given, resolved, strict=True) if path.name == name}
    if not same_name:
        raise UnmatchedLabelRowError(
            f"{where}: no given file is named {name!r} (nor is it a path from {base})"
        )
    if len(same_name) > 1:
        raise AmbiguousLabelRowError(
            f"{where}: {name!r} is the name of {len(same_name)} given files "
            f"({', '.join(str(p) for p in same_name.values())}); write its path instead"
        )
    return next(iter(same_name))
