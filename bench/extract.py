"""PDF extraction speed and coverage: the project's extractor against single libraries.

    .venv/bin/python -m bench.extract DIRECTORY [--repeat N]

Over every PDF below DIRECTORY (e.g. ../shared/corpus) it runs, in one process:
docpipe's `extract_text` (pypdfium2 first, pdfminer.six as fallback), a bare pypdfium2 page
loop (the practical speed limit), pdfminer.six and pypdf. It prints pages per second,
characters extracted and files opened per extractor, and the ratios to bare pypdfium2.
Target: docpipe within 10% of bare pypdfium2 in time, with equal or more characters.
"""

from __future__ import annotations

import argparse
import io
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Tally:
    """What one extractor achieved over all files."""

    seconds: float = 0.0
    pages: int = 0
    characters: int = 0
    opened: int = 0
    failed: int = 0


def docpipe_extract(data: bytes) -> tuple[int, int]:
    from tasks.extract_text.extraction import extract_text

    extracted = extract_text(data)
    return len(extracted.pages), extracted.characters


def bare_pdfium(data: bytes) -> tuple[int, int]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        characters = 0
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            characters += len(textpage.get_text_range())
            textpage.close()
            page.close()
        return len(document), characters
    finally:
        document.close()


def pdfminer_extract(data: bytes) -> tuple[int, int]:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    pages = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))
    return pages, len(extract_text(io.BytesIO(data)))


def pypdf_extract(data: bytes) -> tuple[int, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), sum(len(page.extract_text() or "") for page in reader.pages)


EXTRACTORS: dict[str, Callable[[bytes], tuple[int, int]]] = {
    "docpipe": docpipe_extract,
    "pypdfium2 (bare)": bare_pdfium,
    "pdfminer.six": pdfminer_extract,
    "pypdf": pypdf_extract,
}


def main() -> None:
    """Run every extractor over the PDFs and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per extractor")
    args = parser.parse_args()
    files = sorted(
        p for p in args.directory.rglob("*") if p.read_bytes()[:1024].find(b"%PDF-") >= 0
    )
    blobs = [(p, p.read_bytes()) for p in files]
    warnings.simplefilter("ignore")
    tallies: dict[str, Tally] = {}
    for name, extractor in EXTRACTORS.items():
        best: Tally | None = None
        for _ in range(args.repeat):
            tally = Tally()
            for _path, data in blobs:
                start = time.perf_counter()
                try:
                    pages, characters = extractor(data)
                except Exception:  # noqa: BLE001 - a library failing on a file is a data point
                    tally.failed += 1
                else:
                    tally.opened += 1
                    tally.pages += pages
                    tally.characters += characters
                tally.seconds += time.perf_counter() - start
            if best is None or tally.seconds < best.seconds:
                best = tally
        assert best is not None
        tallies[name] = best
    base = tallies["pypdfium2 (bare)"]
    print(f"{len(blobs)} PDFs from {args.directory} (best of {args.repeat} passes)")
    print(
        f"{'extractor':<18} {'seconds':>8} {'pages/s':>8} {'chars':>10} {'opened':>6} "
        f"{'failed':>6} {'time x':>7} {'chars x':>7}"
    )
    for name, t in tallies.items():
        print(
            f"{name:<18} {t.seconds:>8.3f} {t.pages / t.seconds:>8.0f} {t.characters:>10,} "
            f"{t.opened:>6} {t.failed:>6} {t.seconds / base.seconds:>7.2f} "
            f"{t.characters / base.characters:>7.2f}"
        )


if __name__ == "__main__":
    main()
