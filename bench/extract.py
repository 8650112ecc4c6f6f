"""PDF extraction speed and coverage: the project's extractor against single libraries.

    .venv/bin/python -m bench.extract DIRECTORY [--repeat N]

Over every PDF below DIRECTORY (e.g. ../shared/corpus) it runs, in one process: docpipe's
`extract_text` (pypdfium2 page by page, pdfminer.six for pages pdfium cannot read, scanned
pages listed for OCR), a bare pypdfium2 page loop (the practical speed limit), pdfminer.six
and pypdf.

- Time: each file is read N times by every extractor, the extractors taking turns (in a
  rotating order) so that they share the machine's state; a file's time is its best run,
  and an extractor's time the sum over the files. Failures count with the time they took.
- Coverage: non-space characters of the text, measured outside the timed call, after the
  same normalisation for every extractor (docpipe's `clean_text`, and pdfminer's
  "(cid:N)" placeholders for unmapped glyphs removed: they are not text).
- The target compares docpipe with bare pypdfium2 on the files both read: docpipe within
  10% of its time, with equal or more coverage. Files only one of them reads are listed
  apart, with the time docpipe spent on them.
"""

from __future__ import annotations

import argparse
import gc
import io
import logging
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# All imported here, so that no extractor's first run pays for its imports.
import pypdfium2
from pdfminer.high_level import extract_text as pdfminer_extract_text
from pypdf import PdfReader

from tasks.extract_text.common import clean_text
from tasks.extract_text.extraction import extract_text

TIME_TARGET = 1.10
_UNMAPPED_GLYPH_RE = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Reading:
    """What one extractor returned for one file: its page texts and the pages left for OCR."""

    texts: list[str]
    ocr_pages: int = 0
    extractor: str = ""


@dataclass
class Outcome:
    """The best time of one extractor on one file, and what it read (None: it failed)."""

    seconds: float = float("inf")
    reading: Reading | None = None
    error: str = ""


@dataclass
class Tally:
    """What one extractor achieved over a set of files."""

    seconds: float = 0.0
    pages: int = 0
    coverage: int = 0
    ocr_pages: int = 0
    opened: int = 0
    failed: list[str] = field(default_factory=list)


def docpipe_extract(data: bytes) -> Reading:
    extracted = extract_text(data)
    return Reading(
        [page.text for page in extracted.pages], len(extracted.ocr_pages), extracted.extractor
    )


def bare_pdfium(data: bytes) -> Reading:
    document = pypdfium2.PdfDocument(data)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return Reading(texts)
    finally:
        document.close()


def pdfminer_extract(data: bytes) -> Reading:
    # pdfminer ends every page with a form feed.
    return Reading(pdfminer_extract_text(io.BytesIO(data)).split("\f")[:-1])


def pypdf_extract(data: bytes) -> Reading:
    reader = PdfReader(io.BytesIO(data))
    return Reading([page.extract_text() or "" for page in reader.pages])


DOCPIPE = "docpipe"
BASE = "pypdfium2 (bare)"
EXTRACTORS: dict[str, Callable[[bytes], Reading]] = {
    DOCPIPE: docpipe_extract,
    BASE: bare_pdfium,
    "pdfminer.six": pdfminer_extract,
    "pypdf": pypdf_extract,
}


def coverage(reading: Reading) -> int:
    """Non-space characters, after the same normalisation for every extractor."""
    return sum(
        len("".join(clean_text(_UNMAPPED_GLYPH_RE.sub("", text)).split())) for text in reading.texts
    )


def measure(blobs: dict[str, bytes], repeat: int) -> dict[str, dict[str, Outcome]]:
    """The best of `repeat` runs of every extractor on every file, by extractor and file.

    The extractors take turns on each file, in an order that rotates from run to run: the
    first to read a file pays for bringing it into the caches. The garbage collector is
    paused inside a timed call (as `timeit` does) so that no call pays for another's garbage.
    """
    outcomes = {name: {path: Outcome() for path in blobs} for name in EXTRACTORS}
    names = list(EXTRACTORS)
    for run in range(repeat):
        order = names[run % len(names) :] + names[: run % len(names)]
        for path, data in blobs.items():
            for name in order:
                outcome = outcomes[name][path]
                gc.collect()
                gc.disable()
                start = time.perf_counter()
                try:
                    reading = EXTRACTORS[name](data)
                except Exception as error:  # noqa: BLE001 - a library failing on a file is a data point
                    seconds = time.perf_counter() - start
                    outcome.error = type(error).__name__
                else:
                    seconds = time.perf_counter() - start
                    outcome.reading = reading
                finally:
                    gc.enable()
                outcome.seconds = min(outcome.seconds, seconds)
    return outcomes


def tally(outcomes: dict[str, Outcome], paths: list[str]) -> Tally:
    """Add up one extractor's outcomes over `paths`."""
    total = Tally()
    for path in paths:
        outcome = outcomes[path]
        total.seconds += outcome.seconds
        if outcome.reading is None:
            total.failed.append(path)
            continue
        total.opened += 1
        total.pages += len(outcome.reading.texts)
        total.coverage += coverage(outcome.reading)
        total.ocr_pages += outcome.reading.ocr_pages
    return total


def pdf_files(directory: Path) -> dict[str, bytes]:
    """Every PDF below `directory` (by its content, not its name), by relative path."""
    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and b"%PDF-" in p.read_bytes()[:1024]
    )
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


def run(directory: Path, repeat: int) -> dict[str, Any]:
    """Measure every extractor on the PDFs below `directory`; the figures `main` prints.

    Returns the directory, file count and repeat; per extractor its seconds, pages, pages/s,
    coverage, OCR pages (docpipe only), files opened and failed, and its time and coverage
    each divided by bare pypdfium2's; the target comparison on the files both read; and
    the notes on the files compared apart.
    """
    blobs = pdf_files(directory)
    # Library warnings about damaged files are the data, not news; printing them costs time.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            outcomes = measure(blobs, repeat)
        finally:
            logging.disable(logging.NOTSET)
    paths = list(blobs)
    tallies = {name: tally(outcomes[name], paths) for name in EXTRACTORS}
    base = tallies[BASE]
    extractors = {
        name: {
            "seconds": t.seconds,
            "pages": t.pages,
            "pages_per_s": t.pages / t.seconds,
            "coverage": t.coverage,
            "ocr_pages": t.ocr_pages if name == DOCPIPE else None,
            "opened": t.opened,
            "failed": len(t.failed),
            "time_ratio": t.seconds / base.seconds,
            "coverage_ratio": t.coverage / base.coverage,
        }
        for name, t in tallies.items()
    }
    both = [p for p in paths if outcomes[DOCPIPE][p].reading and outcomes[BASE][p].reading]
    ours, theirs = tally(outcomes[DOCPIPE], both), tally(outcomes[BASE], both)
    time_ratio = ours.seconds / theirs.seconds
    notes = [
        f"not compared: {path}: docpipe {_describe(outcomes[DOCPIPE][path])}; "
        f"bare pypdfium2 {_describe(outcomes[BASE][path])}"
        for path in paths
        if path not in both
    ]
    for path in both:
        reading = outcomes[DOCPIPE][path].reading
        if reading and (reading.extractor != "pypdfium2" or reading.ocr_pages):
            notes.append(
                f"docpipe on {path}: extractor {reading.extractor}, "
                f"{reading.ocr_pages} of {len(reading.texts)} pages for OCR"
            )
    return {
        "directory": str(directory),
        "files": len(blobs),
        "repeat": repeat,
        "extractors": extractors,
        "target": {
            "files": len(both),
            "docpipe_s": ours.seconds,
            "base_s": theirs.seconds,
            "time_ratio": time_ratio,
            "time_target": TIME_TARGET,
            "coverage": ours.coverage,
            "base_coverage": theirs.coverage,
            "coverage_ratio": ours.coverage / theirs.coverage,
            "met": time_ratio <= TIME_TARGET and ours.coverage >= theirs.coverage,
        },
        "notes": notes,
    }


def main() -> None:
    """Run every extractor over the PDFs and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per file and extractor")
    args = parser.parse_args()
    figures = run(args.directory, args.repeat)
    print(
        f"{figures['files']} PDFs from {args.directory}; time: best of {args.repeat} runs per "
        "file, summed; coverage: non-space characters"
    )
    print(
        f"{'extractor':<17} {'seconds':>8} {'pages/s':>8} {'coverage':>10} {'OCR pages':>9} "
        f"{'opened':>6} {'failed':>6} {'time x':>7} {'cover x':>7}"
    )
    for name, t in figures["extractors"].items():
        ocr = f"{t['ocr_pages']:>9}" if t["ocr_pages"] is not None else f"{'-':>9}"
        print(
            f"{name:<17} {t['seconds']:>8.3f} {t['pages_per_s']:>8.0f} {t['coverage']:>10,} "
            f"{ocr} {t['opened']:>6} {t['failed']:>6} {t['time_ratio']:>7.2f} "
            f"{t['coverage_ratio']:>7.2f}"
        )
    target = figures["target"]
    print(
        f"\nTarget, on the {target['files']} PDFs both read: docpipe {target['docpipe_s']:.3f} s "
        f"vs bare pypdfium2 {target['base_s']:.3f} s = {target['time_ratio']:.2f}x (target <= "
        f"{TIME_TARGET:.2f}x); coverage {target['coverage']:,} vs {target['base_coverage']:,} = "
        f"{target['coverage_ratio']:.3f}x (target >= 1): {'MET' if target['met'] else 'NOT MET'}"
    )
    for note in figures["notes"]:
        print(f"  {note}")


def _describe(outcome: Outcome) -> str:
    if outcome.reading is None:
        return f"failed ({outcome.error}) in {outcome.seconds:.3f} s"
    return f"read {coverage(outcome.reading):,} characters in {outcome.seconds:.3f} s" + (
        f" with {outcome.reading.extractor}" if outcome.reading.extractor else ""
    )


if __name__ == "__main__":
    main()
