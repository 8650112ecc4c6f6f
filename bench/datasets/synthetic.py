# ruff: noqa: RUF001  (the German, French and Spanish texts use their own dashes)
"""A seeded synthetic labelled set: every label of tasks/shared/labels.json and the fallback.

    .venv/bin/python -m bench.datasets synthetic OUT [--seed 13] [--per-label 36]

Each label gets `per_label` documents from several templates of its own (written for this
set, not from the label descriptions, the samples or the test fixtures), filled with
seeded names, companies, places, dates, amounts and lengths from a few lines to several
pages. The fallback (`other`) gets documents that are none of the labels: recipes,
shopping and packing lists, product specification sheets, event programmes and
restaurant menus.

- Formats: PDF (standard Type1 fonts, with a text layer), DOCX, HTML, TXT and EML, dealt
  out evenly within every label, so no label is tied to a format.
- Languages: ceil(15%) of every label in German, French and Spanish (one template per
  label speaks them), the rest in English.
- Noise: 30% of the documents get one to three of: typos, OCR-like character swaps,
  boilerplate headers and footers (print stamps, disclaimers, site chrome, page marks) and
  stray whitespace.
- Split: a third of every label (stratified by format) is the tune split, the rest test.

The same seed writes the same bytes: every random choice comes from `random.Random`
seeded by strings, PDF and DOCX carry fixed dates, ZIP entries fixed times, and mail fixed
Message-IDs and boundaries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import itertools
import math
import random
import re
import textwrap
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import TypeVar

import docx
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bench.datasets import LabelledFile, WrittenSet, prepare_folder, stratified_split, write_csvs
from tasks.shared.labels import load_labels

T = TypeVar("T")

DEFAULT_SEED = 13
DEFAULT_PER_LABEL = 36
MIN_PER_LABEL = 3  # one tune and two test documents per label at the least
FORMATS = ("pdf", "docx", "html", "txt", "eml")
FOREIGN_LANGUAGES = ("de", "fr", "es")
FOREIGN_SHARE = 0.15
NOISE_SHARE = 0.30
NOISE_KINDS = ("typos", "ocr", "boilerplate", "whitespace")
# Sizes a template is asked for, with their weights: a few lines up to several pages.
SIZES = (("short", 3), ("medium", 4), ("long", 3))


# --- the document model: what a template writes and every renderer reads ---------------


@dataclass(frozen=True)
class Block:
    """A piece of a document: heading, paragraph, lines (kept as they are), bullets,
    numbered steps or a table (its first row is the heading row)."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def heading(text: str) -> Block:
    return Block("heading", text)


def para(text: str) -> Block:
    return Block("paragraph", text)


def lines(*items: str) -> Block:
    return Block("lines", items=tuple(item for item in items if item))


def bullets(items: Sequence[str]) -> Block:
    return Block("bullets", items=tuple(items))


def steps(items: Sequence[str]) -> Block:
    return Block("numbered", items=tuple(items))


def table(rows: Sequence[Sequence[str]]) -> Block:
    return Block("table", rows=tuple(tuple(row) for row in rows))


@dataclass(frozen=True)
class Doc:
    """A document before it has a format. `title` None: a letter, which opens with its
    addresses; `subject` is the mail subject when it goes out as EML."""

    title: str | None
    blocks: tuple[Block, ...]
    subject: str
    author: str
    organisation: str
    day: dt.date
    language: str
    header: str = ""
    footer: str = ""


# --- seeded values in the document's language -------------------------------------------


def _split(text: str) -> tuple[str, ...]:
    """Word pools are written as "a|b|c": compact, and one edit per item."""
    return tuple(text.split("|"))


_FIRST_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "f": _split(
            "Olivia|Priya|Grace|Chloe|Hannah|Aisha|Emily|Laura|Sofia|Megan|Ruth|Zoe|Naomi"
            "|Imogen|Bethany|Keisha"
        ),
        "m": _split(
            "James|Daniel|Samuel|Marcus|Thomas|Kwame|Nathan|Ryan|Victor|Oliver|Patrick"
            "|Rohan|Callum|Dominic|Isaac|Owen"
        ),
    },
    "de": {
        "f": _split("Lena|Sabine|Katrin|Anja|Miriam|Jana|Ute|Carla|Greta"),
        "m": _split("Jonas|Matthias|Felix|Lukas|Tobias|Stefan|Florian|Moritz"),
    },
    "fr": {
        "f": _split("Camille|Élodie|Chloé|Sophie|Manon|Claire|Inès|Margaux"),
        "m": _split("Julien|Mathieu|Antoine|Nicolas|Thibault|Hugo|Bastien|Rémi"),
    },
    "es": {
        "f": _split("Lucía|Carmen|Marta|Elena|Sara|Isabel|Nuria|Paula"),
        "m": _split("Javier|Diego|Alejandro|Pablo|Andrés|Raúl|Sergio|Tomás"),
    },
}
_LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": _split(
        "Harper|Okafor|Bennett|Sharma|Collins|Whitaker|Nguyen|Fletcher|Morgan|Delaney"
        "|Brooks|Patel|Hughes|Carver|Adeyemi|Russo|Kim|Wallace|Thornton|Ellis|Doyle"
        "|Marsh|Quinn|Lindsay"
    ),
    "de": _split(
        "Schneider|Becker|Wagner|Hoffmann|Krüger|Schulz|Neumann|Vogel|Brandt|Lehmann"
        "|Zimmermann|Weiß|Hartmann|Busch|Koch|Franke"
    ),
    "fr": _split(
        "Lefèvre|Moreau|Girard|Fontaine|Rousseau|Bonnet|Mercier|Lambert|Chevalier"
        "|Garnier|Faure|Dupuis|Roux|Blanchard|Marchand|Perrin"
    ),
    "es": _split(
        "García|Martínez|López|Sánchez|Romero|Navarro|Torres|Domínguez|Vázquez|Ramos"
        "|Gil|Serrano|Molina|Ortega|Castro|Rubio"
    ),
}
_COMPANY_STEMS = _split(
    "Halden|Brightwater|Kestrel|Arden|Bluefield|Corvid|Lumen|Marlow|Pinecrest"
    "|Redhill|Tidewell|Vantor|Wexford|Orchid|Granite|Silverline|Ashgrove|Copperleaf"
    "|Fernbrook|Norvale"
)
_TRADES: dict[str, tuple[str, ...]] = {
    "en": _split(
        "Logistics|Systems|Foods|Engineering|Consulting|Media|Health|Energy|Textiles"
        "|Analytics|Building Services|Packaging"
    ),
    "de": _split(
        "Logistik|Systeme|Lebensmittel|Maschinenbau|Beratung|Medien|Energie|Haustechnik|Verpackung"
    ),
    "fr": _split("Logistique|Systèmes|Alimentaire|Ingénierie|Conseil|Médias|Énergie|Emballages"),
    "es": _split("Logística|Sistemas|Alimentación|Ingeniería|Consultoría|Medios|Energía|Envases"),
}
_COMPANY_FORMS: dict[str, tuple[str, ...]] = {
    "en": _split("Ltd|Inc.|LLC|plc|& Co.|Group"),
    "de": _split("GmbH|AG|KG|GmbH & Co. KG"),
    "fr": _split("SARL|SAS|SA"),
    "es": ("S.L.", "S.A."),
}
_CITIES: dict[str, tuple[str, ...]] = {
    "en": _split(
        "Leeds|Bristol|Manchester|Portland|Denver|Toronto|Glasgow|Austin|Melbourne"
        "|Dublin|Cardiff|Ottawa|Norwich|Halifax"
    ),
    "de": _split("Hamburg|Köln|Leipzig|Freiburg|Dresden|Nürnberg|Bremen|Mainz"),
    "fr": _split("Lyon|Nantes|Bordeaux|Lille|Rennes|Grenoble|Toulouse|Dijon"),
    "es": _split("Valencia|Sevilla|Bilbao|Zaragoza|Málaga|Granada|Valladolid|Murcia"),
}
_STREETS: dict[str, tuple[str, ...]] = {
    "en": _split(
        "Mill Lane|Station Road|Church Street|Victoria Avenue|Oak Drive|High Street"
        "|Park Road|Elm Grove|Bridge Street|Kingsway"
    ),
    "de": _split(
        "Hauptstraße|Bahnhofstraße|Gartenweg|Lindenallee|Bergstraße|Schillerstraße|Am Markt"
    ),
    "fr": _split(
        "rue de la République|avenue Victor Hugo|rue des Lilas|rue du Moulin"
        "|boulevard Pasteur|rue de la Gare"
    ),
    "es": _split(
        "Calle Mayor|Calle del Sol|Avenida de la Paz|Calle Real|Paseo de San Vicente"
        "|Calle de Alcalá"
    ),
}
_MONTHS: dict[str, tuple[str, ...]] = {
    "en": _split(
        "January|February|March|April|May|June|July|August|September|October|November|December"
    ),
    "de": _split(
        "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    ),
    "fr": _split(
        "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    ),
    "es": _split(
        "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
    ),
}
_WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": _split("Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"),
    "de": _split("Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag"),
    "fr": _split("lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"),
    "es": _split("lunes|martes|miércoles|jueves|viernes|sábado|domingo"),
}
_FIELD_RE = re.compile(r"\{(\w+)\}")


class Fill:
    """Seeded values for one document in its language; `fmt` fills `{field}`s in a phrase.

    Each `{field}` gets a fresh value unless the caller passes it: `fmt(s, name="Ada")`.
    """

    def __init__(self, rng: random.Random, language: str) -> None:
        self.rng = rng
        self.language = language
        self.size = rng.choices([size for size, _ in SIZES], [w for _, w in SIZES])[0]
        self.date_style = rng.randrange(4)
        self.currency = rng.choice(("$", "£", "€")) if language == "en" else "€"
        self.today = self.day(2015, 2024)
        self._decks: dict[tuple[str, ...], list[int]] = {}
        self.generators: dict[str, Callable[[], str]] = {
            "person": self.person,
            "first": lambda: self.first_name()[0],
            "last": self.last_name,
            "company": self.company,
            "city": self.city,
            "street": self.street,
            "date": lambda: self.date(self.day()),
            "year": lambda: str(self.today.year + rng.randint(-3, 1)),
            "month": lambda: self.month(rng.randint(1, 12)),
            "weekday": lambda: _WEEKDAYS[language][rng.randrange(7)],
            "n": lambda: str(rng.randint(2, 40)),
            "big": lambda: self.integer(rng.randint(120, 48000)),
            "pct": lambda: self.percent(rng.uniform(1.5, 38.0)),
            "money": lambda: self.money(self.amount()),
            "ref": lambda: f"{rng.choice('ABCDEFGHKMNPRSTW')}{rng.randint(1000, 99999)}",
        }

    # choices ---------------------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def some(self, options: Sequence[T], low: int, high: int) -> list[T]:
        """Between low and high distinct options (fewer when there are fewer), in a random
        order."""
        count = min(len(options), self.rng.randint(low, high))
        return self.rng.sample(list(options), count)

    def by_size(
        self, short: tuple[int, int], medium: tuple[int, int], long: tuple[int, int]
    ) -> int:
        """A count for this document's size: a few lines, a page or two, or several pages."""
        low, high = {"short": short, "medium": medium, "long": long}[self.size]
        return self.rng.randint(low, high)

    def fmt(self, phrase: str, **given: str) -> str:
        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            return given[key] if key in given else self.generators[key]()

        return _tidy(_FIELD_RE.sub(value, phrase))

    def sentences(self, pool: Sequence[str], low: int, high: int, **given: str) -> str:
        """A paragraph of `low`..`high` distinct sentences from `pool`, filled in.

        Sentences are drawn from a deck per pool and document, so none comes back before the
        pool is used up.
        """
        return " ".join(self.fmt(pool[index], **given) for index in self._draw(pool, low, high))

    def sentences_in_order(self, pool: Sequence[str], low: int, high: int, **given: str) -> str:
        """As `sentences`, in the pool's order (for pools written in reading order)."""
        chosen = sorted(self._draw(pool, low, high))
        return " ".join(self.fmt(pool[index], **given) for index in chosen)

    def draw(self, pool: Sequence[str], low: int, high: int) -> list[str]:
        """`low`..`high` items of `pool` from its deck (see `sentences`), not filled in."""
        return [pool[index] for index in self._draw(pool, low, high)]

    def some_in_order(self, options: Sequence[T], low: int, high: int) -> list[T]:
        """As `some`, in the order of `options` (steps of a procedure)."""
        count = min(len(options), self.rng.randint(low, high))
        return [options[index] for index in sorted(self.rng.sample(range(len(options)), count))]

    def _draw(self, pool: Sequence[str], low: int, high: int) -> list[int]:
        count = min(len(pool), self.rng.randint(low, high))
        key = tuple(pool)
        deck = self._decks.get(key, [])
        chosen: list[int] = []
        while len(chosen) < count:
            if not deck:
                deck = [index for index in range(len(pool)) if index not in chosen]
                self.rng.shuffle(deck)
            chosen.append(deck.pop())
        self._decks[key] = deck
        return chosen

    def ordered_paragraphs(self, pool: Sequence[str], paragraphs: int, **given: str) -> list[Block]:
        """Paragraphs of sentences of `pool` in its order, its first sentence always first.

        For pools written in reading order: a letter or a news story keeps its thread.
        """
        count = self.rng.randint(min(len(pool), paragraphs + 1), len(pool))
        chosen = [0, *sorted(self.rng.sample(range(1, len(pool)), count - 1))]
        paragraphs = min(paragraphs, len(chosen))
        bounds = [0, *sorted(self.rng.sample(range(1, len(chosen)), paragraphs - 1)), len(chosen)]
        return [
            para(" ".join(self.fmt(pool[index], **given) for index in chosen[start:end]))
            for start, end in itertools.pairwise(bounds)
        ]

    # people, organisations, places -----------------------------------------------------
    def first_name(self, gender: str | None = None) -> tuple[str, str]:
        gender = gender or self.rng.choice("fm")
        return self.pick(_FIRST_NAMES[self.language][gender]), gender

    def last_name(self) -> str:
        return self.pick(_LAST_NAMES[self.language])

    def person(self) -> str:
        return f"{self.first_name()[0]} {self.last_name()}"

    def company(self) -> str:
        stem = self.pick(_COMPANY_STEMS)
        return (
            f"{stem} {self.pick(_TRADES[self.language])} {self.pick(_COMPANY_FORMS[self.language])}"
        )

    def city(self) -> str:
        return self.pick(_CITIES[self.language])

    def street(self) -> str:
        number = self.rng.randint(1, 180)
        name = self.pick(_STREETS[self.language])
        return f"{number} {name}" if self.language in ("en", "fr") else f"{name} {number}"

    def address(self, city: str | None = None) -> list[str]:
        city = city or self.city()
        if self.language == "en":
            letters = "ABDEFGHJLNPQRSTUWXYZ"
            area = self.rng.choice("BDEGLMNS") + self.rng.choice("ABCEHLMNS")
            inward = f"{self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
            return [self.street(), f"{city} {area}{self.rng.randint(1, 19)} {inward}"]
        return [self.street(), f"{self.rng.randint(10000, 99999)} {city}"]

    def email(self, name: str, organisation: str = "") -> str:
        local = ".".join(_ascii_slug(part) for part in name.split()[:2]) or "info"
        domain = (
            _ascii_slug(organisation.split()[0])
            if organisation
            else self.pick(("mailbox", "postbox", "inbox", "webmail"))
        )
        return f"{local}@{domain}.example"

    def phone(self) -> str:
        digits = "".join(str(self.rng.randrange(10)) for _ in range(8))
        prefix = {"en": "+44 20", "de": "+49 30", "fr": "+33 1", "es": "+34 91"}[self.language]
        return f"{prefix} {digits[:4]} {digits[4:]}"

    # dates -----------------------------------------------------------------------------
    def day(self, first_year: int | None = None, last_year: int | None = None) -> dt.date:
        """A day in the given years; without them, one within two months of the document's
        own date (`self.today`), so that the dates of one document go together."""
        if first_year is None or last_year is None:
            return self.today + dt.timedelta(days=self.rng.randint(-60, 60))
        start = dt.date(first_year, 1, 1).toordinal()
        end = dt.date(last_year, 12, 28).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, end))

    def month(self, number: int) -> str:
        return _MONTHS[self.language][number - 1]

    def date(self, day: dt.date) -> str:
        """The date as people of the language write it; one style per document."""
        month = self.month(day.month)
        style = self.date_style
        if self.language == "en":
            return (
                f"{day.day} {month} {day.year}",
                f"{month} {day.day}, {day.year}",
                f"{day.day:02d}/{day.month:02d}/{day.year}",
                day.isoformat(),
            )[style]
        if self.language == "de":
            return f"{day.day}. {month} {day.year}" if style % 2 else f"{day:%d.%m.%Y}"
        if self.language == "fr":
            return f"{day.day} {month} {day.year}" if style % 2 else f"{day:%d/%m/%Y}"
        return f"{day.day} de {month} de {day.year}" if style % 2 else f"{day:%d/%m/%Y}"

    def month_year(self, day: dt.date) -> str:
        if self.language == "en":
            return f"{self.month(day.month)[:3]} {day.year}"
        return f"{day.month:02d}/{day.year}"

    # numbers ---------------------------------------------------------------------------
    def amount(self, low: float = 40.0, high: float = 25000.0) -> float:
        # Log-uniform: as many small amounts as large ones.
        return round(math.exp(self.rng.uniform(math.log(low), math.log(high))), 2)

    def decimal(self, value: float, places: int = 2) -> str:
        text = f"{value:,.{places}f}"
        if self.language == "en":
            return text
        grouping = " " if self.language == "fr" else "."
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", grouping)

    def integer(self, value: int) -> str:
        return self.decimal(value, 0)

    def money(self, value: float) -> str:
        if self.language == "en":
            sign = "-" if value < 0 else ""
            return f"{sign}{self.currency}{abs(value):,.2f}"
        return f"{self.decimal(value)} €"

    def percent(self, value: float, places: int = 1) -> str:
        number = self.decimal(value, places)
        return f"{number}%" if self.language == "en" else f"{number} %"


_DOUBLE_STOP_RE = re.compile(r"(?<=\w)\.\.(?!\.)")


def _tidy(text: str) -> str:
    # A name ending in a stop ("& Co.", "S.L.") at the end of a sentence takes one stop.
    return _DOUBLE_STOP_RE.sub(".", text)


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _doc(
    fill: Fill,
    title: str | None,
    blocks: Sequence[Block],
    *,
    subject: str | None = None,
    author: str | None = None,
    organisation: str | None = None,
    day: dt.date | None = None,
) -> Doc:
    return Doc(
        title=title,
        blocks=_map_text([b for b in blocks if b.text or b.items or b.rows], _tidy),
        subject=subject or title or "",
        author=author or fill.person(),
        organisation=organisation or fill.company(),
        day=day or fill.day(),
        language=fill.language,
    )


# --- invoice ----------------------------------------------------------------------------

_GOODS = _split(
    "Stainless steel hinge, 80 mm|Copier paper A4, box of 5 reams|LED panel 600 x 600, 36 W"
    "|Cable ties, pack of 100|Nitrile gloves, size M (box of 100)|Pallet wrap 500 mm x 300 m"
    "|Oak veneer sheet 2440 x 1220|Patch cable Cat6, 2 m|Ceramic floor tile 30 x 30 (m²)"
    "|Hydraulic hose 1/2 in., per metre|Toner cartridge, black|Safety boots, size 42"
    "|Espresso beans, 1 kg|Label roll 100 x 150 mm|Wood screws 4 x 40, box of 200"
    "|Desk lamp with adjustable arm|USB-C docking station|Double-wall cartons (bundle of 20)"
    "|Hand sanitiser, 5 l|Galvanised angle bracket 90°|Ring binder A4, blue|Whiteboard markers (4)"
    "|Office chair, mesh back|Extension lead, 4 way, 3 m|Bubble wrap roll 750 mm"
)
_SERVICES = _split(
    "Requirements workshop|Website maintenance (monthly retainer)|Bookkeeping"
    "|Translation, per 1,000 words|Photography, half-day session|Brochure layout and design"
    "|On-site support visit|Data migration|Training session, per participant"
    "|Copywriting, product pages|Mileage (business travel)|Software licence renewal, 12 months"
    "|Quarterly VAT return|Logo refresh, two rounds of revisions|Server monitoring"
)
_PAYMENT_NOTES = (
    "Please pay within {terms} days of the invoice date by bank transfer, quoting the invoice "
    "number as your reference.",
    "Payment is due by {due}. Late payments may attract interest at 8% above the base rate.",
    "Thank you for your business.",
    "Cheques should be made payable to {seller}.",
    "If you have any questions about this invoice, please contact our accounts team at {contact}.",
    "Goods remain the property of {seller} until they have been paid for in full.",
    "Any discrepancy must be reported within 7 days of receipt.",
)


def _bank_lines(fill: Fill) -> list[str]:
    digits = "".join(str(fill.rng.randrange(10)) for _ in range(18))
    country = {"en": "GB", "de": "DE", "fr": "FR", "es": "ES"}[fill.language]
    return [
        f"IBAN {country}{digits[:2]} {digits[2:6]} {digits[6:10]} {digits[10:14]} {digits[14:]}",
        f"BIC {fill.pick(_COMPANY_STEMS)[:4].upper()}{country}2X",
    ]


def invoice_trade(fill: Fill) -> Doc:
    """A supplier's invoice for goods: line items, VAT and totals."""
    seller, buyer = fill.company(), fill.company()
    issued = fill.day()
    terms = fill.pick(("14", "30", "30", "45", "60"))
    due = issued + dt.timedelta(days=int(terms))
    number = f"{fill.pick(('INV', 'SI', 'IN', ''))}{issued.year}-{fill.rng.randint(10, 9999):04d}"
    count = fill.by_size((1, 4), (5, 12), (18, 45))
    rows = [["Item", "Description", "Qty", "Unit price", "Amount"]]
    subtotal = 0.0
    for position in range(count):
        quantity = fill.rng.choice((1, 1, 2, 3, 5, 10, 12, 20, 50))
        price = fill.amount(1.5, 900.0)
        subtotal += quantity * price
        code = f"{fill.rng.choice('ABCDKLMPSTX')}{fill.rng.randint(100, 9999)}"
        rows.append(
            [
                str(position + 1),
                f"{code} {fill.pick(_GOODS)}",
                str(quantity),
                fill.money(price),
                fill.money(quantity * price),
            ]
        )
    rate = fill.pick(("20", "20", "10", "5", "0"))
    shipping = fill.rng.choice((0.0, 0.0, 9.95, 25.0, 48.5))
    tax = round(subtotal * int(rate) / 100, 2)
    contact = fill.email("accounts", seller)
    notes = fill.some(_PAYMENT_NOTES, 1, 3)
    blocks = [
        lines(seller, *fill.address(), f"VAT reg. no. GB {fill.rng.randint(100000000, 999999999)}"),
        heading("Bill to"),
        lines(buyer, f"Attn: {fill.person()}", *fill.address()),
        table(
            [
                ["Invoice number", number],
                ["Invoice date", fill.date(issued)],
                ["Due date", fill.date(due)],
                ["Customer PO", f"PO-{fill.rng.randint(10000, 99999)}"],
                ["Terms", f"Net {terms}"],
            ]
        ),
        table(rows),
        lines(
            f"Subtotal: {fill.money(subtotal)}",
            f"Shipping: {fill.money(shipping)}" if shipping else "",
            f"VAT {rate}%: {fill.money(tax)}",
            f"Total due: {fill.money(subtotal + shipping + tax)}",
        ),
        heading("Payment"),
        para(
            " ".join(
                fill.fmt(note, terms=terms, due=fill.date(due), seller=seller, contact=contact)
                for note in notes
            )
        ),
        lines(*_bank_lines(fill)),
    ]
    title = fill.pick(("INVOICE", "Invoice", "Tax Invoice", "Sales Invoice"))
    return _doc(fill, title, blocks, subject=f"{title} {number}", organisation=seller, day=issued)


def invoice_services(fill: Fill) -> Doc:
    """A freelancer's or consultancy's invoice for hours worked."""
    first, _ = fill.first_name()
    provider = f"{first} {fill.last_name()}"
    trade = fill.pick(("Design", "Translation", "IT Services", "Consulting", "Photography"))
    client = fill.company()
    issued = fill.day()
    number = f"{fill.rng.randint(1, 480):04d}"
    rate = fill.rng.choice((35, 45, 60, 75, 90, 120, 150))
    rows = [["Date", "Work", "Hours", "Rate", "Amount"]]
    total = hours_worked = 0.0
    start = issued - dt.timedelta(days=fill.rng.randint(20, 40))
    for _ in range(fill.by_size((1, 3), (4, 10), (16, 40))):
        worked = start + dt.timedelta(days=fill.rng.randint(0, 28))
        hours = fill.rng.choice((0.5, 1, 1.5, 2, 3, 4, 6, 7.5, 8))
        total += hours * rate
        hours_worked += hours
        rows.append(
            [
                fill.date(worked),
                fill.pick(_SERVICES),
                fill.decimal(hours, 1),
                fill.money(rate),
                fill.money(hours * rate),
            ]
        )
    days = fill.pick(("7", "14", "14", "30"))
    blocks = [
        lines(f"{provider} {trade}", *fill.address(), fill.email(provider), fill.phone()),
        lines(
            f"Invoice #{number}",
            f"Date: {fill.date(issued)}",
            f"Period: {fill.date(start)} to {fill.date(issued)}",
        ),
        heading("Client"),
        lines(client, *fill.address()),
        table(rows),
        lines(f"Total hours: {fill.decimal(hours_worked, 1)}", f"Amount due: {fill.money(total)}"),
        para(
            f"Payment due within {days} days. "
            + fill.pick(
                (
                    "I am not registered for VAT, so no VAT has been charged.",
                    "VAT is not applicable under the small business scheme.",
                    "A late fee of 2% per month applies to overdue balances.",
                    "Many thanks - it was a pleasure working with you.",
                )
            )
        ),
        lines("Bank details:", *_bank_lines(fill)),
    ]
    return _doc(
        fill,
        "INVOICE",
        blocks,
        subject=f"Invoice #{number} - {trade}",
        author=provider,
        organisation=f"{provider} {trade}",
        day=issued,
    )


_BILL_NOTES = (
    "Your bill will be collected by Direct Debit on or after {due}.",
    "Pay online, by phone or at any post office using the reference above.",
    "If you are struggling to pay, contact us as early as possible: we can agree a plan.",
    "Your next meter reading is due in {month}. You can submit it online.",
    "Compared with the same period last year, your usage is {pct} lower.",
    "To report a fault, call our 24-hour line. Calls are free from a landline.",
)


def _amount_of(money: str) -> float:
    """The number in an English amount ("$1,234.50"); 0 for an empty cell."""
    digits = re.sub(r"[^0-9.]", "", money)
    return float(digits) if digits else 0.0


def invoice_utility(fill: Fill) -> Doc:
    """A utility or telecom bill: account, period, readings, charges, amount due."""
    supplier = f"{fill.pick(_COMPANY_STEMS)} {fill.pick(('Energy', 'Power', 'Water', 'Telecom'))}"
    kind = {
        "Energy": "electricity",
        "Power": "electricity",
        "Water": "water",
        "Telecom": "broadband and phone",
    }[supplier.split()[-1]]
    customer = fill.person()
    issued = fill.day()
    start = issued - dt.timedelta(days=fill.rng.choice((30, 31, 61, 91)))
    account = f"{fill.rng.randint(10, 99)}-{fill.rng.randint(100000, 999999)}"
    if kind == "broadband and phone":
        usage_rows = [
            ["Charge", "Detail", "Amount"],
            ["Broadband 150 Mb", "monthly", fill.money(fill.amount(20, 60))],
            ["Line rental", "monthly", fill.money(fill.amount(10, 25))],
            ["Calls to mobiles", f"{fill.rng.randint(5, 300)} min", fill.money(fill.amount(1, 30))],
            [
                "International calls",
                f"{fill.rng.randint(0, 60)} min",
                fill.money(fill.amount(1, 20)),
            ],
        ]
    else:
        unit = "kWh" if kind == "electricity" else "m³"
        previous = fill.rng.randint(1000, 90000)
        used = fill.rng.randint(80, 1600) if kind == "electricity" else fill.rng.randint(5, 60)
        price = fill.rng.uniform(0.18, 0.42) if kind == "electricity" else fill.rng.uniform(1.5, 4)
        usage_rows = [
            ["Charge", "Detail", "Amount"],
            ["Standing charge", f"{(issued - start).days} days", fill.money(fill.amount(8, 40))],
            [
                "Usage",
                f"{used} {unit} at {fill.decimal(price, 3)} per {unit}",
                fill.money(used * price),
            ],
            ["Meter reading (previous)", f"{previous} {unit}", ""],
            ["Meter reading (current)", f"{previous + used} {unit}", ""],
        ]
    due_in = fill.rng.choice((10, 14, 21))
    total = round(sum(_amount_of(row[2]) for row in usage_rows[1:]) * 1.05, 2)
    notes = _BILL_NOTES if kind != "broadband and phone" else _BILL_NOTES[:3] + _BILL_NOTES[5:]
    messages = fill.some(notes, 1, 4)
    due = fill.date(issued + dt.timedelta(days=due_in))
    blocks = [
        lines(customer, *fill.address()),
        table(
            [
                ["Account number", account],
                ["Bill date", fill.date(issued)],
                ["Billing period", f"{fill.date(start)} - {fill.date(issued)}"],
                ["Amount due", fill.money(total)],
                ["Due by", due],
            ]
        ),
        heading(f"Your {kind} charges"),
        table(usage_rows),
        lines(
            f"VAT at 5%: {fill.money(total * 0.05 / 1.05)}", f"Total to pay: {fill.money(total)}"
        ),
        para(" ".join(fill.fmt(message, due=due) for message in messages)),
    ]
    title = fill.pick(("Your bill", f"Your {kind} bill", "Statement of charges", "Bill"))
    return _doc(
        fill,
        f"{supplier} - {title}",
        blocks,
        subject=f"{title}: account {account}",
        organisation=supplier,
        day=issued,
    )


_INVOICE_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Rechnung",
        "number": "Rechnungsnummer",
        "date": "Rechnungsdatum",
        "due": "Fällig am",
        "customer": "Rechnungsempfänger",
        "customer_no": "Kundennummer",
        "item": "Bezeichnung",
        "qty": "Menge",
        "unit": "Einzelpreis",
        "amount": "Gesamt",
        "subtotal": "Nettobetrag",
        "vat": "zzgl. MwSt. 19 %",
        "rate": "19",
        "total": "Rechnungsbetrag",
        "bank": "Bankverbindung",
        "delivery": "Lieferdatum",
        "pay": "Bitte überweisen Sie den Rechnungsbetrag bis zum {due} unter Angabe der "
        "Rechnungsnummer auf das unten genannte Konto.",
        "thanks": "Vielen Dank für Ihren Auftrag.",
        "tax": "Steuernummer",
    },
    "fr": {
        "title": "Facture",
        "number": "Facture n°",
        "date": "Date de facturation",
        "due": "Date d'échéance",
        "customer": "Client",
        "customer_no": "N° client",
        "item": "Désignation",
        "qty": "Qté",
        "unit": "Prix unitaire HT",
        "amount": "Montant HT",
        "subtotal": "Total HT",
        "vat": "TVA 20 %",
        "rate": "20",
        "total": "Total TTC",
        "bank": "Coordonnées bancaires",
        "delivery": "Date de livraison",
        "pay": "Merci de régler le montant total par virement avant le {due} en indiquant le "
        "numéro de facture. Pénalités de retard : trois fois le taux d'intérêt légal.",
        "thanks": "Nous vous remercions de votre confiance.",
        "tax": "SIRET",
    },
    "es": {
        "title": "Factura",
        "number": "N.º de factura",
        "date": "Fecha de emisión",
        "due": "Fecha de vencimiento",
        "customer": "Cliente",
        "customer_no": "N.º de cliente",
        "item": "Concepto",
        "qty": "Cant.",
        "unit": "Precio unitario",
        "amount": "Importe",
        "subtotal": "Base imponible",
        "vat": "IVA 21 %",
        "rate": "21",
        "total": "Total factura",
        "bank": "Datos bancarios",
        "delivery": "Fecha de entrega",
        "pay": "Le rogamos abone el importe total mediante transferencia antes del {due}, "
        "indicando el número de factura.",
        "thanks": "Gracias por su confianza.",
        "tax": "CIF",
    },
}
_INVOICE_ITEMS: dict[str, tuple[str, ...]] = {
    "de": _split(
        "Kopierpapier A4, 5 Pakete|Holzschrauben 4 x 40 (200 Stück)|LED-Leuchte 36 W"
        "|Wartung Heizungsanlage|Arbeitszeit Monteur (Std.)|Anfahrtspauschale"
        "|Druckerpatrone schwarz|Büroschrank, abschließbar|Montagematerial"
    ),
    "fr": _split(
        "Ramette papier A4 (carton de 5)|Vis à bois 4 x 40 (boîte de 200)|Luminaire LED 36 W"
        "|Entretien chaudière|Main-d'œuvre technicien (heure)|Frais de déplacement"
        "|Cartouche d'encre noire|Armoire de bureau|Petites fournitures"
    ),
    "es": _split(
        "Papel A4, caja de 5 paquetes|Tornillos 4 x 40 (caja de 200)|Lámpara LED 36 W"
        "|Mantenimiento de caldera|Mano de obra técnico (hora)|Gastos de desplazamiento"
        "|Cartucho de tinta negra|Armario de oficina con llave|Material de montaje"
    ),
}


def invoice_foreign(fill: Fill) -> Doc:
    """An invoice in German, French or Spanish."""
    words = _INVOICE_WORDS[fill.language]
    seller, buyer = fill.company(), fill.company()
    issued = fill.day()
    due = issued + dt.timedelta(days=fill.rng.choice((14, 30)))
    number = f"{issued.year}-{fill.rng.randint(100, 9999)}"
    rows = [["Pos.", words["item"], words["qty"], words["unit"], words["amount"]]]
    subtotal = 0.0
    for position in range(fill.by_size((1, 3), (4, 9), (14, 30))):
        quantity = fill.rng.choice((1, 1, 2, 4, 5, 10))
        price = fill.amount(2, 600)
        subtotal += quantity * price
        rows.append(
            [
                str(position + 1),
                fill.pick(_INVOICE_ITEMS[fill.language]),
                str(quantity),
                fill.money(price),
                fill.money(quantity * price),
            ]
        )
    tax = subtotal * int(words["rate"]) / 100
    blocks = [
        lines(seller, *fill.address(), f"{words['tax']}: {fill.rng.randint(10**8, 10**9 - 1)}"),
        lines(buyer, *fill.address()),
        table(
            [
                [words["number"], number],
                [words["date"], fill.date(issued)],
                [words["delivery"], fill.date(issued - dt.timedelta(days=fill.rng.randint(1, 9)))],
                [words["customer_no"], str(fill.rng.randint(10000, 99999))],
                [words["due"], fill.date(due)],
            ]
        ),
        table(rows),
        lines(
            f"{words['subtotal']}: {fill.money(subtotal)}",
            f"{words['vat']}: {fill.money(tax)}",
            f"{words['total']}: {fill.money(subtotal + tax)}",
        ),
        para(fill.fmt(words["pay"], due=fill.date(due)) + " " + words["thanks"]),
        lines(f"{words['bank']}:", *_bank_lines(fill)),
    ]
    return _doc(fill, f"{words['title']} {number}", blocks, organisation=seller, day=issued)


# --- contract ---------------------------------------------------------------------------

_SERVICE_CLAUSES: dict[str, tuple[str, ...]] = {
    "Services": (
        "The Provider shall perform the Services described in Schedule 1 with reasonable skill "
        "and care.",
        "The Provider may appoint subcontractors only with the prior written consent of the "
        "Client, which shall not be unreasonably withheld.",
        "Any change to the scope of the Services shall be agreed in writing by both parties "
        "before it takes effect.",
        "The Client shall give the Provider timely access to the information, premises and "
        "staff that the Provider reasonably needs to perform the Services.",
        "The Provider shall meet the service levels set out in Schedule 2 and shall report on "
        "its performance against them every {period}.",
    ),
    "Term and Termination": (
        "This Agreement commences on {start} and continues for an initial term of {months} "
        "months, after which it renews automatically for successive periods of twelve months.",
        "Either party may terminate this Agreement by giving not less than {days} days' written "
        "notice to the other party.",
        "Either party may terminate this Agreement with immediate effect if the other party "
        "commits a material breach which is not remedied within 30 days of written notice.",
        "Termination shall not affect any rights or liabilities that accrued before the date of "
        "termination.",
        "On termination the Provider shall return all materials belonging to the Client and "
        "shall cooperate in the orderly transfer of the Services to any replacement provider.",
    ),
    "Fees and Payment": (
        "In consideration of the Services the Client shall pay the Provider a monthly fee of "
        "{fee}, exclusive of VAT.",
        "The Provider shall invoice the Client monthly in arrears, and each invoice shall be "
        "paid within {days} days of receipt.",
        "Sums not paid when due shall bear interest at 4% a year above the base rate from the "
        "due date until the date of payment.",
        "The fees may be reviewed once a year; any increase shall not exceed the change in the "
        "consumer price index over the preceding twelve months.",
        "The Client may withhold payment of any amount it disputes in good faith, provided it "
        "notifies the Provider of the dispute before the due date.",
    ),
    "Confidentiality": (
        "Each party shall keep confidential all information disclosed to it by the other party "
        "and shall use it only for the purposes of this Agreement.",
        "This obligation does not apply to information which is or becomes public other than "
        "through a breach of this Agreement, or which a party is required by law to disclose.",
        "This clause shall survive termination of this Agreement for {years} years.",
    ),
    "Intellectual Property": (
        "All intellectual property rights in materials created by the Provider in performing "
        "the Services shall vest in the Client upon payment in full.",
        "The Provider grants the Client a non-exclusive, royalty-free licence to use any "
        "pre-existing materials incorporated in the deliverables.",
        "Each party retains ownership of the intellectual property it owned before the "
        "Commencement Date.",
    ),
    "Warranties": (
        "Each party warrants that it has full power and authority to enter into this Agreement.",
        "The Provider warrants that the Services will be performed in accordance with good "
        "industry practice and all applicable laws.",
        "Except as expressly stated in this Agreement, all warranties and conditions, whether "
        "express or implied by statute, are excluded to the fullest extent permitted by law.",
    ),
    "Limitation of Liability": (
        "Neither party shall be liable for any indirect or consequential loss arising under or "
        "in connection with this Agreement.",
        "The total liability of the Provider in each contract year shall not exceed the fees "
        "paid in the twelve months preceding the event giving rise to the claim.",
        "Nothing in this Agreement limits or excludes liability for death or personal injury "
        "caused by negligence, or for fraud.",
    ),
    "Data Protection": (
        "Each party shall comply with applicable data protection legislation in relation to "
        "any personal data processed under this Agreement.",
        "The Provider shall process personal data only on the documented instructions of the "
        "Client and shall implement appropriate technical and organisational measures.",
        "The Provider shall notify the Client without undue delay on becoming aware of a "
        "personal data breach.",
    ),
    "Force Majeure": (
        "Neither party shall be in breach of this Agreement if it is prevented from performing "
        "its obligations by events beyond its reasonable control.",
        "If such an event continues for more than 60 days, either party may terminate this "
        "Agreement by written notice.",
    ),
    "Assignment": (
        "Neither party may assign, transfer or subcontract any of its rights or obligations "
        "under this Agreement without the prior written consent of the other party.",
    ),
    "Notices": (
        "Any notice under this Agreement shall be in writing and delivered by hand, by "
        "recorded post or by e-mail to the address of the recipient stated above.",
        "A notice is deemed received at the time of delivery if delivered by hand, and on the "
        "second business day after posting if sent by post.",
    ),
    "Governing Law and Jurisdiction": (
        "This Agreement and any dispute arising out of it shall be governed by the law of "
        "{jurisdiction}.",
        "The parties irrevocably submit to the exclusive jurisdiction of the courts of "
        "{jurisdiction}.",
    ),
    "Entire Agreement": (
        "This Agreement constitutes the entire agreement between the parties and supersedes "
        "all previous arrangements relating to its subject matter.",
        "No variation of this Agreement shall be effective unless it is in writing and signed "
        "by both parties.",
        "If any provision of this Agreement is found invalid, the remaining provisions shall "
        "continue in full force.",
    ),
}
_SERVICE_KINDS = _split(
    "facilities management|IT support|payroll processing|marketing|office cleaning"
    "|software development|warehousing and distribution|security guarding|catering"
)
_JURISDICTIONS = _split("England and Wales|Scotland|the State of New York|Ontario|Ireland")


def _signatures(fill: Fill, *parties: str) -> list[Block]:
    blocks: list[Block] = []
    for party in parties:
        blocks.append(
            lines(
                f"Signed for and on behalf of {party}",
                "Signature: ______________________",
                f"Name: {fill.person()}",
                "Title: "
                f"{fill.pick(('Director', 'Managing Director', 'Chief Executive', 'Partner'))}",
                "Date: ______________",
            )
        )
    return blocks


def contract_services(fill: Fill) -> Doc:
    """A services agreement between two companies, with numbered clauses."""
    client, provider = fill.company(), fill.company()
    signed = fill.day()
    kind = fill.pick(_SERVICE_KINDS)
    values = {
        "start": fill.date(signed + dt.timedelta(days=fill.rng.randint(0, 40))),
        "months": str(fill.rng.choice((12, 24, 36))),
        "days": str(fill.rng.choice((30, 60, 90))),
        "fee": fill.money(fill.amount(900, 60000)),
        "years": str(fill.rng.choice((2, 3, 5))),
        "jurisdiction": fill.pick(_JURISDICTIONS),
        "period": fill.pick(("month", "quarter")),
    }
    headings = ["Services", "Fees and Payment", "Term and Termination"]
    others = [name for name in _SERVICE_CLAUSES if name not in headings]
    headings += fill.some(others, *{"short": (1, 2), "medium": (4, 6), "long": (9, 10)}[fill.size])
    blocks: list[Block] = [
        para(f"THIS AGREEMENT is dated {fill.date(signed)}."),
        heading("Parties"),
        steps(
            [
                f"{client}, whose registered office is at {', '.join(fill.address())} "
                '(the "Client"); and',
                f"{provider}, whose registered office is at {', '.join(fill.address())} "
                '(the "Provider").',
            ]
        ),
        heading("Background"),
        para(
            f"The Client wishes to obtain {kind} services and the Provider has agreed to provide "
            "them on the terms of this Agreement."
        ),
    ]
    for number, name in enumerate(headings, start=1):
        blocks.append(heading(f"{number}. {name}"))
        pool = _SERVICE_CLAUSES[name]
        for sub, sentence in enumerate(fill.some(pool, 1, len(pool)), start=1):
            blocks.append(para(f"{number}.{sub} {fill.fmt(sentence, **values)}"))
    if fill.size == "long":
        blocks += _schedules(fill, kind, values["fee"])
    blocks += _signatures(fill, client, provider)
    title = fill.pick(("SERVICES AGREEMENT", "Master Services Agreement", "Agreement for Services"))
    return _doc(
        fill,
        title,
        blocks,
        subject=f"{title} - {client} / {provider}",
        organisation=provider,
        day=signed,
    )


_SCHEDULE_SERVICES = (
    "Provide the Services at the Client's premises listed in Schedule 3",
    "Keep a named account manager available during business hours",
    "Maintain a help desk from 8 am to 6 pm on business days",
    "Keep records of all work done and make them available on request",
    "Attend a monthly review meeting with the Client's representative",
    "Provide a written report on performance against the service levels each month",
    "Hold the insurances required by clause 8 and provide evidence on request",
    "Comply with the Client's site rules and health and safety policies",
    "Carry out an annual review of the Services and propose improvements",
)
_SERVICE_LEVELS = (
    ("Response to priority 1 requests", "Time to first response", "1 hour"),
    ("Response to priority 2 requests", "Time to first response", "4 business hours"),
    ("Resolution of priority 1 requests", "Time to resolution", "8 hours"),
    ("Availability", "Share of business hours available", "99.5%"),
    ("Customer satisfaction", "Average survey score", "4 out of 5"),
    ("Reporting", "Monthly report delivered", "by the 5th business day"),
)


def _schedules(fill: Fill, kind: str, fee: str) -> list[Block]:
    """The long services agreement's schedules: the services, service levels and charges."""
    return [
        heading("Schedule 1 - The Services"),
        para(f"The Provider shall provide {kind} services and in particular shall:"),
        steps(fill.some(_SCHEDULE_SERVICES, 4, len(_SCHEDULE_SERVICES))),
        heading("Schedule 2 - Service Levels"),
        table(
            [
                ["Service", "Measure", "Target"],
                *(list(row) for row in fill.some(_SERVICE_LEVELS, 3, 6)),
            ]
        ),
        para(
            "If a service level is missed in two consecutive months, the Provider shall submit "
            "a remediation plan within ten business days, and the Client may apply a service "
            "credit of 5% of the monthly fee for each further month in which it is missed."
        ),
        heading("Schedule 3 - Charges"),
        table(
            [
                ["Item", "Charge"],
                ["Monthly fee", fee],
                ["Additional work (per hour)", fill.money(fill.rng.choice((45, 65, 85, 120)))],
                ["Call-out outside business hours", fill.money(fill.rng.choice((150, 250, 400)))],
            ]
        ),
    ]


_LEASE_TENANT = (
    "keep the interior of the Property clean and in good condition, fair wear and tear excepted",
    "not sublet or part with possession of any part of the Property without the Landlord's "
    "written consent",
    "not keep any animal at the Property without the Landlord's written consent",
    "pay the council tax, water, gas, electricity and telephone charges for the Property",
    "allow the Landlord or the agent access for inspection and repairs on 24 hours' written notice",
    "report promptly to the Landlord any damage or need for repair",
    "not cause a nuisance or annoyance to the neighbours",
    "not alter or decorate the Property without the Landlord's written consent",
    "take reasonable steps to prevent frozen pipes when the Property is left unoccupied",
)
_LEASE_LANDLORD = (
    "keep in repair the structure and exterior of the Property, including drains and gutters",
    "keep in repair and proper working order the installations for the supply of water, gas, "
    "electricity and heating",
    "allow the Tenant quiet enjoyment of the Property without interruption",
    "protect the deposit in an authorised scheme within 30 days and give the Tenant the "
    "prescribed information",
    "arrange an annual gas safety check and give the Tenant a copy of the record",
)


def contract_lease(fill: Fill) -> Doc:
    """A residential tenancy agreement."""
    landlord, tenant = fill.person(), fill.person()
    property_address = ", ".join(fill.address())
    start = fill.day()
    months = fill.rng.choice((6, 12, 12, 24))
    rent = fill.amount(450, 2900)
    blocks: list[Block] = [
        para(
            "This agreement is made on "
            f"{fill.date(start - dt.timedelta(days=fill.rng.randint(5, 30)))} "
            f"between {landlord} (the Landlord) and {tenant} (the Tenant)."
        ),
        table(
            [
                ["Property", property_address],
                ["Term", f"{months} months from {fill.date(start)}"],
                ["Rent", f"{fill.money(rent)} per calendar month, payable in advance"],
                ["Deposit", fill.money(round(rent * fill.rng.choice((1, 1.15, 1.5)), 2))],
                [
                    "Rent due",
                    f"on the {fill.rng.choice(('1st', '5th', '15th', '28th'))} of each month",
                ],
            ]
        ),
        heading("1. Letting"),
        para(
            "The Landlord lets and the Tenant takes the Property for the Term at the Rent. The "
            "tenancy is an assured shorthold tenancy."
        ),
        heading("2. The Tenant agrees to"),
        bullets(
            fill.some(
                _LEASE_TENANT, *{"short": (2, 3), "medium": (4, 6), "long": (7, 9)}[fill.size]
            )
        ),
        heading("3. The Landlord agrees to"),
        bullets(fill.some(_LEASE_LANDLORD, 2, 5)),
        heading("4. Ending the tenancy"),
        para(
            "After the fixed term the tenancy continues from month to month. The Tenant may end "
            "it by giving at least one month's written notice, and the Landlord by giving at "
            "least two months' written notice in the form required by law."
        ),
    ]
    if fill.size != "short":
        blocks += [
            heading("5. Deposit"),
            para(
                "The deposit is held as security for the performance of the Tenant's obligations. "
                "Deductions may be made for unpaid rent and for damage beyond fair wear and tear, "
                "and the balance shall be returned within ten days of agreement on deductions."
            ),
            heading("6. Inventory"),
            para(
                "The inventory signed by both parties at the start of the tenancy forms part of "
                "this agreement and will be used to assess the condition of the Property at the "
                "end."
            ),
        ]
    blocks.append(
        lines(f"Landlord: {landlord}  ______________", f"Tenant: {tenant}  ______________")
    )
    title = fill.pick(
        ("Assured Shorthold Tenancy Agreement", "Residential Lease", "Tenancy Agreement")
    )
    return _doc(fill, title, blocks, author=landlord, organisation=landlord, day=start)


_EMPLOYMENT_TERMS: tuple[tuple[str, str], ...] = (
    (
        "Commencement",
        "The Employee's employment under this Contract begins on {start}. No "
        "previous employment counts as part of the Employee's period of continuous employment.",
    ),
    (
        "Job title and duties",
        "The Employee is employed as {role} and shall perform such duties "
        "as the Employer may reasonably assign from time to time.",
    ),
    (
        "Place of work",
        "The Employee's normal place of work is the Employer's office in {city}. "
        "The Employee may be required to travel within the country on the Employer's business.",
    ),
    (
        "Hours of work",
        "The Employee's normal working hours are {hours} hours a week, Monday to "
        "Friday, with an unpaid lunch break of one hour.",
    ),
    (
        "Salary",
        "The Employer shall pay the Employee an annual gross salary of {salary}, in equal "
        "monthly instalments in arrears by bank transfer.",
    ),
    (
        "Holidays",
        "The Employee is entitled to {holiday} working days' paid holiday in each "
        "holiday year in addition to the usual public holidays.",
    ),
    (
        "Probationary period",
        "The first {probation} months of employment are a probationary "
        "period, during which either party may end the employment by giving one week's notice.",
    ),
    (
        "Notice",
        "After the probationary period, either party may terminate the employment by "
        "giving {notice} weeks' written notice.",
    ),
    (
        "Sickness absence",
        "The Employee must notify their line manager by 9.30 am on the first "
        "day of any absence. Statutory sick pay is paid in accordance with the regulations.",
    ),
    (
        "Confidential information",
        "The Employee shall not, during or after the employment, "
        "disclose any confidential information concerning the business of the Employer.",
    ),
    (
        "Pension",
        "The Employer will enrol the Employee in its workplace pension scheme in "
        "accordance with the applicable regulations.",
    ),
    (
        "Disciplinary and grievance procedures",
        "The disciplinary and grievance procedures in the "
        "staff handbook apply to the Employee but do not form part of this Contract.",
    ),
)
_ROLES = _split(
    "Project Manager|Software Engineer|Marketing Coordinator|Registered Nurse|Accountant"
    "|Logistics Supervisor|Graphic Designer|Data Analyst|Sales Executive|Civil Engineer"
    "|Teacher of Mathematics|HR Adviser|Office Manager|Laboratory Technician"
)


def contract_employment(fill: Fill) -> Doc:
    """A contract of employment."""
    employer, employee = fill.company(), fill.person()
    start = fill.day()
    values = {
        "start": fill.date(start),
        "role": fill.pick(_ROLES),
        "city": fill.city(),
        "hours": str(fill.rng.choice((35, 37.5, 40))),
        "salary": fill.money(fill.rng.randrange(22000, 95000, 500)),
        "holiday": str(fill.rng.choice((20, 25, 28, 30))),
        "probation": str(fill.rng.choice((3, 6))),
        "notice": str(fill.rng.choice((1, 4, 8, 12))),
    }
    keep = fill.by_size((5, 6), (8, 10), (12, 12))
    terms = [term for term in _EMPLOYMENT_TERMS if term[0] in {"Salary", "Notice"}]
    terms += fill.some([t for t in _EMPLOYMENT_TERMS if t not in terms], keep - 2, keep - 2)
    terms.sort(key=_EMPLOYMENT_TERMS.index)
    blocks: list[Block] = [
        para(
            "This contract is made on "
            f"{fill.date(start - dt.timedelta(days=fill.rng.randint(7, 60)))} "
            f"between {employer} (the Employer) and {employee} (the Employee) of "
            f"{', '.join(fill.address())}."
        )
    ]
    for number, (name, sentence) in enumerate(terms, start=1):
        blocks += [heading(f"{number}. {name}"), para(fill.fmt(sentence, **values))]
    blocks.append(
        lines(
            f"Signed for the Employer: ______________ ({fill.person()}, "
            f"{fill.pick(('HR Director', 'Managing Director'))})",
            f"Signed by the Employee: ______________ ({employee})",
        )
    )
    title = fill.pick(
        ("Contract of Employment", "Employment Agreement", "Statement of Terms of Employment")
    )
    return _doc(fill, title, blocks, organisation=employer, day=start)


def contract_nda(fill: Fill) -> Doc:
    """A short mutual non-disclosure agreement."""
    first, second = fill.company(), fill.company()
    day = fill.day()
    purpose = fill.pick(
        (
            "evaluating a possible joint venture",
            "discussing the supply of components",
            "assessing a possible acquisition of shares",
            "exploring a software licensing arrangement",
        )
    )
    clauses = [
        f"The parties wish to exchange confidential information for the purpose of {purpose} "
        "(the Purpose).",
        "Each party shall use the other party's confidential information only for the Purpose "
        "and shall not disclose it to any third party without prior written consent.",
        "Confidential information may be disclosed to employees and professional advisers who "
        "need to know it for the Purpose and who are bound by equivalent obligations.",
        "On written request, each party shall return or destroy all confidential information "
        "of the other party in its possession.",
        f"The obligations in this agreement continue for {fill.rng.choice((2, 3, 5))} years from "
        "the date of this agreement.",
        "No licence or other right is granted by this agreement except as expressly set out.",
        f"This agreement is governed by the law of {fill.pick(_JURISDICTIONS)}.",
    ]
    kept = clauses[:2] + fill.some(clauses[2:], 2, len(clauses) - 2)
    blocks: list[Block] = [
        para(f"This agreement is dated {fill.date(day)} and made between {first} and {second}."),
        steps(kept),
        *_signatures(fill, first, second),
    ]
    return _doc(
        fill,
        fill.pick(("Mutual Non-Disclosure Agreement", "Confidentiality Agreement")),
        blocks,
        organisation=first,
        day=day,
    )


@dataclass(frozen=True)
class _ContractWords:
    title: str
    intro: str
    fields: tuple[str, ...]
    clauses: tuple[tuple[str, str], ...]
    place: str
    signers: tuple[str, str]


_CONTRACT_FOREIGN: dict[str, _ContractWords] = {
    "de": _ContractWords(
        title="Dienstleistungsvertrag",
        intro="Zwischen {a}, {a_address} – nachfolgend „Auftraggeber“ genannt – und {b}, "
        "{b_address} – nachfolgend „Auftragnehmer“ genannt – wird folgender Vertrag geschlossen:",
        fields=_split("IT-Betreuung|Gebäudereinigung|Lohnbuchhaltung|Webentwicklung|Catering"),
        clauses=(
            (
                "§ 1 Vertragsgegenstand",
                "Der Auftragnehmer erbringt für den Auftraggeber Leistungen "
                "im Bereich {field} gemäß der Leistungsbeschreibung in Anlage 1.",
            ),
            (
                "§ 2 Vertragsdauer",
                "Der Vertrag beginnt am {start} und wird auf unbestimmte Zeit "
                "geschlossen. Er kann von beiden Parteien mit einer Frist von {n} Monaten zum "
                "Monatsende gekündigt werden.",
            ),
            (
                "§ 3 Vergütung",
                "Die monatliche Vergütung beträgt {fee} zuzüglich der gesetzlichen "
                "Umsatzsteuer. Rechnungen sind innerhalb von 14 Tagen ohne Abzug zu zahlen.",
            ),
            (
                "§ 4 Mitwirkungspflichten",
                "Der Auftraggeber stellt dem Auftragnehmer alle für die "
                "Leistungserbringung erforderlichen Informationen rechtzeitig zur Verfügung.",
            ),
            (
                "§ 5 Vertraulichkeit",
                "Die Parteien verpflichten sich, alle im Rahmen dieses "
                "Vertrages erhaltenen vertraulichen Informationen geheim zu halten. Diese Pflicht "
                "besteht auch nach Beendigung des Vertrages fort.",
            ),
            (
                "§ 6 Haftung",
                "Der Auftragnehmer haftet für Vorsatz und grobe Fahrlässigkeit "
                "unbeschränkt. Im Übrigen ist die Haftung auf den vorhersehbaren, "
                "vertragstypischen "
                "Schaden begrenzt.",
            ),
            (
                "§ 7 Schlussbestimmungen",
                "Änderungen und Ergänzungen dieses Vertrages bedürfen der "
                "Schriftform. Sollte eine Bestimmung unwirksam sein, bleibt die Wirksamkeit der "
                "übrigen Bestimmungen unberührt. Gerichtsstand ist {city}.",
            ),
        ),
        place="{city}, den {date}",
        signers=("Auftraggeber", "Auftragnehmer"),
    ),
    "fr": _ContractWords(
        title="Contrat de prestation de services",
        intro="Entre les soussignés : {a}, {a_address}, ci-après dénommée « le Client », "
        "d'une part, et {b}, {b_address}, ci-après dénommée « le Prestataire », d'autre part, "
        "il a été convenu ce qui suit :",
        fields=_split(
            "maintenance informatique|nettoyage des locaux|gestion de la paie"
            "|développement web|restauration collective"
        ),
        clauses=(
            (
                "Article 1 – Objet",
                "Le présent contrat a pour objet de définir les conditions dans "
                "lesquelles le Prestataire réalise pour le Client des prestations de {field}.",
            ),
            (
                "Article 2 – Durée",
                "Le contrat prend effet le {start} pour une durée de {n} mois. Il "
                "est renouvelable par tacite reconduction, sauf dénonciation par l'une des parties "
                "avec un préavis de deux mois.",
            ),
            (
                "Article 3 – Prix et modalités de paiement",
                "En contrepartie des prestations, le "
                "Client verse au Prestataire une rémunération mensuelle de {fee} HT. Les factures "
                "sont payables à trente jours à compter de leur date d'émission.",
            ),
            (
                "Article 4 – Obligations du Client",
                "Le Client s'engage à fournir au Prestataire "
                "toutes les informations nécessaires à la bonne exécution des prestations.",
            ),
            (
                "Article 5 – Confidentialité",
                "Chaque partie s'engage à ne pas divulguer les "
                "informations confidentielles de l'autre partie, pendant toute la durée du contrat "
                "et cinq ans après son terme.",
            ),
            (
                "Article 6 – Responsabilité",
                "La responsabilité du Prestataire ne peut être engagée "
                "qu'en cas de faute prouvée et elle est limitée au montant des sommes perçues au "
                "titre du présent contrat.",
            ),
            (
                "Article 7 – Résiliation",
                "En cas de manquement grave de l'une des parties à ses "
                "obligations, l'autre partie peut résilier le contrat de plein droit après une "
                "mise "
                "en demeure restée sans effet pendant trente jours.",
            ),
            (
                "Article 8 – Droit applicable",
                "Le présent contrat est soumis au droit français. "
                "Tout litige relève de la compétence exclusive des tribunaux de {city}.",
            ),
        ),
        place="Fait à {city}, le {date}, en deux exemplaires originaux.",
        signers=("Pour le Client", "Pour le Prestataire"),
    ),
    "es": _ContractWords(
        title="Contrato de prestación de servicios",
        intro="REUNIDOS: de una parte, {a}, con domicilio en {a_address}, en adelante «el "
        "Cliente», y de otra parte, {b}, con domicilio en {b_address}, en adelante «el "
        "Proveedor». Ambas partes se reconocen capacidad legal suficiente y ACUERDAN las "
        "siguientes CLÁUSULAS:",
        fields=_split(
            "mantenimiento informático|limpieza de oficinas|gestión de nóminas"
            "|desarrollo web|restauración colectiva"
        ),
        clauses=(
            (
                "Primera. Objeto",
                "El Proveedor se compromete a prestar al Cliente servicios de "
                "{field} conforme a lo descrito en el Anexo I.",
            ),
            (
                "Segunda. Duración",
                "El presente contrato entrará en vigor el {start} y tendrá una "
                "duración de {n} meses, prorrogable por periodos iguales salvo denuncia expresa "
                "con "
                "un mes de antelación.",
            ),
            (
                "Tercera. Precio",
                "El Cliente abonará al Proveedor la cantidad mensual de {fee}, más "
                "el IVA correspondiente, dentro de los treinta días siguientes a la recepción de "
                "la "
                "factura.",
            ),
            (
                "Cuarta. Obligaciones de las partes",
                "El Cliente facilitará al Proveedor la "
                "información y el acceso necesarios para la correcta prestación de los servicios.",
            ),
            (
                "Quinta. Confidencialidad",
                "Las partes se obligan a mantener la confidencialidad de "
                "toda la información a la que tengan acceso con motivo de este contrato, incluso "
                "después de su finalización.",
            ),
            (
                "Sexta. Resolución",
                "Cualquiera de las partes podrá resolver el contrato en caso de "
                "incumplimiento grave de la otra, previa notificación por escrito.",
            ),
            (
                "Séptima. Legislación y jurisdicción",
                "El presente contrato se rige por la "
                "legislación española. Para cualquier controversia, las partes se someten a los "
                "juzgados y tribunales de {city}.",
            ),
        ),
        place="Y en prueba de conformidad, firman el presente contrato por duplicado en {city}, "
        "a {date}.",
        signers=("El Cliente", "El Proveedor"),
    ),
}


def contract_foreign(fill: Fill) -> Doc:
    """A services contract in German, French or Spanish."""
    words = _CONTRACT_FOREIGN[fill.language]
    a, b = fill.company(), fill.company()
    day = fill.day()
    values = {
        "a": a,
        "b": b,
        "a_address": ", ".join(fill.address()),
        "b_address": ", ".join(fill.address()),
        "field": fill.pick(words.fields),
        "start": fill.date(day + dt.timedelta(days=fill.rng.randint(1, 30))),
        "n": str(fill.rng.choice((6, 12, 24))),
        "fee": fill.money(fill.amount(500, 20000)),
        "city": fill.city(),
        "date": fill.date(day),
    }
    clauses = list(words.clauses)
    count = fill.by_size((3, 4), (5, 6), (len(clauses), len(clauses)))
    kept = clauses[:3] + fill.some(clauses[3:], count - 3, count - 3)
    kept.sort(key=clauses.index)
    blocks: list[Block] = [para(fill.fmt(words.intro, **values))]
    for name, text in kept:
        blocks += [heading(name), para(fill.fmt(text, **values))]
    signatures = (f"{signer}: ______________" for signer in words.signers)
    blocks.append(lines(fill.fmt(words.place, **values), *signatures))
    return _doc(fill, words.title, blocks, organisation=b, day=day)


# --- financial_report -------------------------------------------------------------------

_SEGMENTS = _split("Industrial|Consumer|Services|Healthcare|Software|Logistics|Retail|Energy")
_REGIONS = _split("Europe|North America|Asia-Pacific|the UK|Latin America|the Middle East")
_RESULTS_COMMENTARY = (
    "Revenue growth was driven mainly by higher volumes in the {segment} segment, partly offset "
    "by weaker pricing in {region}.",
    "Gross margin {moved} to {gm}, reflecting {reason}.",
    "Operating expenses rose by {pct} as the group continued to invest in sales capacity and "
    "digital tools.",
    "Net debt at the end of the period stood at {nd}, equivalent to {lev} times trailing EBITDA.",
    "Free cash flow for the period was {fcf}, helped by tighter management of working capital.",
    "The board has declared an interim dividend of {div} per share, payable on {date}.",
    "Order intake was {pct} above the prior year, and the order book at the period end covers "
    "around {n} months of revenue.",
    "Currency movements reduced reported revenue by about {pct}; at constant exchange rates, "
    "revenue grew faster than reported.",
    "The {segment} segment delivered an operating margin of {gm}, its best result for several "
    "years.",
    "Capital expenditure of {capex} was focused on automation and the expansion of capacity in "
    "{region}.",
    "Restructuring costs of {capex} were recognised in the period and are excluded from "
    "adjusted operating profit.",
    "Inventories fell by {pct} compared with the end of the previous year as supply chains "
    "normalised.",
)
_OUTLOOK = (
    "For the full year, management now expects revenue growth in the range of {a}% to {b}% and "
    "an adjusted operating margin of around {m}%.",
    "The outlook assumes no significant deterioration in market conditions in {region}.",
    "We remain cautious about demand in the second half, given continued uncertainty over "
    "interest rates and consumer confidence.",
    "The pipeline of new business remains healthy and we are confident of further progress.",
    "Guidance for capital expenditure is unchanged.",
)
_REASONS = _split(
    "lower freight and energy costs|a less favourable product mix|the full-year effect of price "
    "increases|higher raw material prices|improved utilisation of the new plant|wage inflation"
)


def _income_rows(
    fill: Fill, revenue: float, growth: float, columns: tuple[str, str]
) -> list[list[str]]:
    """An income statement with a current and a prior column that add up."""
    prior = revenue / (1 + growth)
    rows = [["", *columns, "Change"]]

    def line(name: str, current: float, before: float) -> None:
        change = (current - before) / abs(before) * 100 if before else 0.0
        rows.append([name, fill.decimal(current, 1), fill.decimal(before, 1), fill.percent(change)])

    cost = fill.rng.uniform(0.42, 0.7)
    opex = fill.rng.uniform(0.12, 1 - cost - 0.03)
    values = []
    for total, drift in ((revenue, 0.0), (prior, fill.rng.uniform(-0.03, 0.03))):
        gross = total * (1 - cost - drift)
        operating = gross - total * opex
        finance = total * fill.rng.uniform(0.005, 0.03)
        before_tax = operating - finance
        tax = max(before_tax, 0) * fill.rng.uniform(0.19, 0.27)
        values.append(
            (
                total,
                total - gross,
                gross,
                total * opex,
                operating,
                finance,
                before_tax,
                tax,
                before_tax - tax,
            )
        )
    names = (
        "Revenue",
        "Cost of sales",
        "Gross profit",
        "Operating expenses",
        "Operating profit",
        "Net finance costs",
        "Profit before tax",
        "Income tax",
        "Profit for the period",
    )
    for index, name in enumerate(names):
        line(name, values[0][index], values[1][index])
    return rows


_PERIODS = (
    ("first quarter", 3),
    ("second quarter", 6),
    ("third quarter", 9),
    ("fourth quarter", 12),
    ("half year", 6),
)


def financial_quarterly(fill: Fill) -> Doc:
    """A company's quarterly or half-year results: highlights, income statement, commentary."""
    company = fill.company()
    year = fill.rng.randint(2015, 2024)
    period, month = fill.pick(_PERIODS)
    ended = dt.date(year, month, 30 if month in (6, 9) else 31)
    published = ended + dt.timedelta(days=fill.rng.randint(20, 60))
    revenue = fill.amount(12, 4000)
    growth = fill.rng.uniform(-0.12, 0.25)
    unit = f"{fill.currency}m"
    values = {
        "segment": fill.pick(_SEGMENTS),
        "region": fill.pick(_REGIONS),
        "moved": "improved" if growth > 0 else "declined",
        "gm": fill.percent(fill.rng.uniform(18, 55)),
        "reason": fill.pick(_REASONS),
        "nd": f"{fill.currency}{fill.decimal(revenue * fill.rng.uniform(0.2, 1.5), 1)}m",
        "lev": fill.decimal(fill.rng.uniform(0.4, 3.2), 1),
        "fcf": f"{fill.currency}{fill.decimal(revenue * fill.rng.uniform(0.02, 0.15), 1)}m",
        "div": f"{fill.rng.randint(2, 40)}.{fill.rng.randint(0, 9)}p"
        if fill.currency == "£"
        else f"{fill.currency}0.{fill.rng.randint(10, 95)}",
        "capex": f"{fill.currency}{fill.decimal(revenue * fill.rng.uniform(0.01, 0.08), 1)}m",
        "a": str(fill.rng.randint(1, 5)),
        "b": str(fill.rng.randint(6, 11)),
        "m": str(fill.rng.randint(8, 22)),
    }
    highlights = [
        f"Revenue of {fill.currency}{fill.decimal(revenue, 1)}m, {'up' if growth >= 0 else 'down'} "
        f"{fill.percent(abs(growth) * 100)} on the same period last year",
        f"Adjusted operating margin of {fill.percent(fill.rng.uniform(4, 24))}",
        f"Basic earnings per share of {fill.decimal(fill.rng.uniform(0.05, 4.5), 2)}",
        "Net cash from operating activities of "
        f"{fill.currency}{fill.decimal(revenue * fill.rng.uniform(0.05, 0.25), 1)}m",
    ]
    blocks: list[Block] = [
        para(
            f"{company} today announces its unaudited results for the {period} ended "
            f"{fill.date(ended)}."
        ),
        heading("Highlights"),
        bullets(fill.some(highlights, 2, 4)),
        heading(f"Condensed income statement ({unit})"),
        table(_income_rows(fill, revenue, growth, (str(year), str(year - 1)))),
        heading("Review of the period"),
    ]
    for _ in range(fill.by_size((1, 1), (2, 3), (5, 8))):
        blocks.append(para(fill.sentences(_RESULTS_COMMENTARY, 2, 4, **values)))
    if fill.size == "long":
        blocks += [
            heading(f"Segment revenue ({unit})"),
            table(
                [["Segment", str(year), str(year - 1)]]
                + [
                    [
                        segment,
                        fill.decimal(revenue * share, 1),
                        fill.decimal(revenue * share / (1 + growth), 1),
                    ]
                    for segment, share in zip(
                        fill.some(_SEGMENTS, 3, 4), (0.4, 0.3, 0.2, 0.1), strict=False
                    )
                ]
            ),
        ]
    blocks += [heading("Outlook"), para(fill.sentences(_OUTLOOK, 2, 3, **values))]
    chief = fill.person()
    blocks.append(para(f'{chief}, Chief Executive, said: "{fill.pick(_CHIEF_QUOTES)}"'))
    title = f"{company}: results for the {period} {year}"
    return _doc(fill, title, blocks, author=chief, organisation=company, day=published)


_CHIEF_QUOTES = (
    "We delivered a solid performance in challenging markets.",
    "Our teams responded well to a difficult trading environment.",
    "These results show the progress we are making on our strategy.",
)
_BALANCE_ITEMS = (
    ("Property, plant and equipment", 0.35),
    ("Intangible assets", 0.2),
    ("Inventories", 0.12),
    ("Trade and other receivables", 0.18),
    ("Cash and cash equivalents", 0.15),
)
_ANNUAL_SECTIONS: dict[str, tuple[str, ...]] = {
    "Chair's statement": (
        "This has been a year of steady progress for the group despite a difficult economic "
        "background.",
        "On behalf of the board I would like to thank our employees for their commitment and "
        "hard work.",
        "The board is recommending a final dividend of {div} per share, bringing the total for "
        "the year to {div2}.",
        "We welcomed {person} to the board as an independent non-executive director in {month}.",
        "Our priorities for the coming year are to grow recurring revenue, simplify the "
        "organisation and reduce our carbon emissions.",
        "I am confident that the group is well placed to benefit as market conditions improve.",
    ),
    "Financial review": (
        "Group revenue for the year was {rev}, an increase of {pct} on the previous year.",
        "Adjusted operating profit rose to {op}, and the adjusted operating margin improved by "
        "{bp} basis points.",
        "The effective tax rate for the year was {tax}, broadly in line with the prior year.",
        "Net finance costs increased because of higher interest rates on the revolving credit "
        "facility.",
        "Cash generated from operations was {cash}, representing a cash conversion of {conv}.",
        "The group's net debt at the year end was {nd}, and headroom under committed facilities "
        "was comfortable.",
        "Working capital increased as we built stock ahead of the launch of new product ranges.",
        "Exceptional items of {exc} relate mainly to the closure of the {city} site.",
    ),
    "Strategic review": (
        "Our strategy rests on three pillars: customer focus, operational excellence and "
        "disciplined investment.",
        "During the year we completed the acquisition of {company}, which strengthens our "
        "position in {region}.",
        "Recurring revenue now represents {pct} of group revenue.",
        "We continued to invest in our digital platform, which handled {big} customer orders in "
        "the year.",
        "Employee engagement scores improved for the third year in a row.",
    ),
}
_RISKS = (
    "Customer concentration: our five largest customers account for {pct} of revenue.",
    "Cyber security: a successful attack could disrupt operations and damage our reputation.",
    "Supply chain: we depend on a small number of suppliers for critical components.",
    "Interest rates and liquidity: higher rates increase the cost of servicing our debt.",
    "Regulatory change: new rules in our main markets may increase compliance costs.",
    "People: our growth depends on recruiting and retaining skilled staff.",
    "Climate: extreme weather could disrupt our sites and those of our suppliers.",
)


def financial_annual(fill: Fill) -> Doc:
    """An annual report: chair's statement, reviews, balance sheet, risks, going concern."""
    company = fill.company()
    year = fill.rng.randint(2014, 2024)
    revenue = fill.amount(20, 6000)
    c = fill.currency

    def m(value: float) -> str:
        return f"{c}{fill.decimal(value, 1)}m"

    values = {
        "div": f"{fill.decimal(fill.rng.uniform(1, 30), 1)}p"
        if c == "£"
        else f"{c}{fill.decimal(fill.rng.uniform(0.05, 1.5))}",
        "div2": f"{fill.decimal(fill.rng.uniform(30, 60), 1)}p"
        if c == "£"
        else f"{c}{fill.decimal(fill.rng.uniform(1.5, 3))}",
        "rev": m(revenue),
        "op": m(revenue * fill.rng.uniform(0.05, 0.2)),
        "bp": str(fill.rng.randint(10, 180)),
        "tax": fill.percent(fill.rng.uniform(18, 28)),
        "cash": m(revenue * fill.rng.uniform(0.06, 0.2)),
        "conv": fill.percent(fill.rng.uniform(70, 110), 0),
        "nd": m(revenue * fill.rng.uniform(0.1, 1.2)),
        "exc": m(revenue * fill.rng.uniform(0.005, 0.03)),
        "region": fill.pick(_REGIONS),
    }
    blocks: list[Block] = []
    paragraphs = fill.by_size((1, 1), (1, 2), (3, 4))
    for name, pool in _ANNUAL_SECTIONS.items():
        blocks.append(heading(name))
        for _ in range(paragraphs):
            blocks.append(para(fill.sentences(pool, 2, 4, **values)))
    assets = revenue * fill.rng.uniform(0.6, 1.6)
    liabilities = assets * fill.rng.uniform(0.3, 0.7)
    rows = [["", f"31 Dec {year}", f"31 Dec {year - 1}"]]
    for name, share in _BALANCE_ITEMS:
        rows.append(
            [
                name,
                fill.decimal(assets * share, 1),
                fill.decimal(assets * share * fill.rng.uniform(0.85, 1.1), 1),
            ]
        )
    rows += [
        ["Total assets", fill.decimal(assets, 1), fill.decimal(assets * 0.95, 1)],
        [
            "Current liabilities",
            fill.decimal(liabilities * 0.55, 1),
            fill.decimal(liabilities * 0.5, 1),
        ],
        [
            "Non-current liabilities",
            fill.decimal(liabilities * 0.45, 1),
            fill.decimal(liabilities * 0.48, 1),
        ],
        [
            "Net assets",
            fill.decimal(assets - liabilities, 1),
            fill.decimal(assets * 0.95 - liabilities * 0.98, 1),
        ],
        ["Share capital", fill.decimal(assets * 0.05, 1), fill.decimal(assets * 0.05, 1)],
        [
            "Retained earnings",
            fill.decimal(assets - liabilities - assets * 0.05, 1),
            fill.decimal(assets * 0.9 - liabilities * 0.98, 1),
        ],
    ]
    blocks += [heading(f"Consolidated balance sheet ({c}m)"), table(rows)]
    if fill.size != "short":
        blocks += [
            heading("Principal risks and uncertainties"),
            bullets([fill.fmt(r) for r in fill.some(_RISKS, 3, 7)]),
        ]
    blocks += [
        heading("Going concern"),
        para(
            f"The directors have reviewed cash flow forecasts for the period to "
            f"{fill.date(dt.date(year + 2, 6, 30))}, including a severe but plausible downside "
            "scenario, and are satisfied that the group has adequate resources to continue in "
            "operation for at least twelve months from the date of approval of these financial "
            "statements."
        ),
    ]
    if fill.size == "long":
        blocks += _annual_notes(fill, revenue, year)
    title = fill.pick(
        (
            f"{company} Annual Report {year}",
            f"Annual Report and Accounts {year}",
            f"{company} - Annual Report and Financial Statements {year}",
        )
    )
    return _doc(
        fill,
        title,
        blocks,
        organisation=company,
        day=dt.date(year + 1, fill.rng.randint(2, 4), fill.rng.randint(1, 28)),
    )


_ACCOUNTING_POLICIES = (
    "The consolidated financial statements have been prepared in accordance with "
    "International Financial Reporting Standards and on the historical cost basis, except for "
    "derivative financial instruments, which are measured at fair value.",
    "Revenue is recognised when control of goods passes to the customer, usually on delivery, "
    "and for services over the period in which they are performed.",
    "Property, plant and equipment is stated at cost less accumulated depreciation. "
    "Depreciation is charged on a straight-line basis over the expected useful lives of the "
    "assets: buildings 40 years, plant and machinery 5 to 15 years.",
    "Inventories are stated at the lower of cost and net realisable value, cost being "
    "determined on a first-in, first-out basis.",
    "Goodwill is not amortised but is tested for impairment at least once a year.",
    "Leases are recognised as right-of-use assets and lease liabilities at the commencement "
    "date, measured at the present value of the remaining lease payments.",
    "Critical judgements include the estimate of expected credit losses on trade receivables "
    "and the assumptions used in impairment testing.",
)


def _annual_notes(fill: Fill, revenue: float, year: int) -> list[Block]:
    """The long annual report's cash flow statement and notes."""
    operating = revenue * fill.rng.uniform(0.06, 0.2)
    investing = -revenue * fill.rng.uniform(0.02, 0.1)
    financing = -revenue * fill.rng.uniform(0.01, 0.08)
    cash_rows = [["", str(year), str(year - 1)]]
    for name, value in (
        ("Net cash from operating activities", operating),
        ("Purchase of property, plant and equipment", investing * 0.8),
        ("Acquisition of subsidiaries, net of cash acquired", investing * 0.2),
        ("Net cash used in investing activities", investing),
        ("Dividends paid", financing * 0.6),
        ("Repayment of borrowings", financing * 0.4),
        ("Net cash used in financing activities", financing),
        ("Net increase in cash and cash equivalents", operating + investing + financing),
    ):
        before = value * fill.rng.uniform(0.8, 1.15)
        cash_rows.append([name, fill.decimal(value, 1), fill.decimal(before, 1)])
    segments = fill.some(_SEGMENTS, 3, 5)
    shares = [fill.rng.uniform(1, 4) for _ in segments]
    revenue_rows = [["Segment", f"Revenue {year}", "Share"]]
    for segment, share in zip(segments, shares, strict=True):
        part = share / sum(shares)
        revenue_rows.append([segment, fill.decimal(revenue * part, 1), fill.percent(part * 100)])
    return [
        heading(f"Consolidated cash flow statement ({fill.currency}m)"),
        table(cash_rows),
        heading("Notes to the financial statements"),
        heading("1. Accounting policies"),
        *(para(policy) for policy in fill.some(_ACCOUNTING_POLICIES, 4, len(_ACCOUNTING_POLICIES))),
        heading("2. Segment information"),
        para(
            "The group's operating segments are the business units reviewed by the chief "
            "operating decision maker. Revenue between segments is not material."
        ),
        table(revenue_rows),
        heading("3. Employees"),
        para(
            f"The average number of employees during the year was "
            f"{fill.integer(fill.rng.randint(120, 24000))}. Wages and salaries amounted to "
            f"{fill.currency}{fill.decimal(revenue * fill.rng.uniform(0.15, 0.35), 1)}m."
        ),
    ]


_BUDGET_LINES = _split(
    "Salaries|Contractors|Travel and subsistence|Software subscriptions|Marketing"
    "|Rent and service charge|Utilities|Training|Equipment|Professional fees|Postage and courier"
)
_VARIANCE_REASONS = (
    "timing of invoices, which will reverse next month",
    "two vacancies that were filled later than planned",
    "an unbudgeted trade show in {city}",
    "the annual licence renewal, paid earlier than expected",
    "higher than expected use of agency staff during the peak",
    "savings from the new travel booking policy",
    "a one-off refund from a supplier",
)


def financial_budget(fill: Fill) -> Doc:
    """Monthly management accounts: budget against actual with variance commentary."""
    department = fill.pick(
        (
            "Operations",
            "Sales and Marketing",
            "Finance",
            "Customer Service",
            "Research and Development",
            "Facilities",
        )
    )
    day = fill.day()
    month = f"{fill.month(day.month)} {day.year}"
    rows = [["Line", "Budget", "Actual", "Variance", "Variance %"]]
    variances: list[tuple[str, float]] = []
    total_budget = total_actual = 0.0
    for name in fill.some(
        _BUDGET_LINES, *{"short": (4, 5), "medium": (6, 8), "long": (9, 11)}[fill.size]
    ):
        budget = fill.amount(500, 250000)
        actual = budget * fill.rng.uniform(0.7, 1.3)
        total_budget, total_actual = total_budget + budget, total_actual + actual
        variances.append((name, actual - budget))
        rows.append(
            [
                name,
                fill.money(budget),
                fill.money(actual),
                fill.money(actual - budget),
                fill.percent((actual - budget) / budget * 100),
            ]
        )
    rows.append(
        [
            "Total",
            fill.money(total_budget),
            fill.money(total_actual),
            fill.money(total_actual - total_budget),
            fill.percent((total_actual - total_budget) / total_budget * 100),
        ]
    )
    variances.sort(key=lambda item: -abs(item[1]))
    comments = [
        f"{name}: {'over' if value > 0 else 'under'} budget by {fill.money(abs(value))}, because "
        f"of {fill.fmt(fill.pick(_VARIANCE_REASONS))}."
        for name, value in variances[: fill.rng.randint(2, 4)]
    ]
    blocks: list[Block] = [
        lines(
            f"Department: {department}",
            f"Period: {month}",
            f"Prepared by: {fill.person()}, Finance Business Partner",
        ),
        heading("Summary"),
        para(
            f"Total spend for the month was {fill.money(total_actual)} against a budget of "
            f"{fill.money(total_budget)}, a variance of "
            f"{fill.percent((total_actual - total_budget) / total_budget * 100)}. "
            + fill.pick(
                (
                    "The full-year forecast is unchanged.",
                    "We expect the year to finish close to budget.",
                    "The forecast for the year has been reduced to reflect the savings above.",
                    "Year-to-date spend remains within the approved budget.",
                )
            )
        ),
        heading("Budget and actual"),
        table(rows),
        heading("Main variances"),
        bullets(comments),
    ]
    if fill.size == "long":
        quarter = [["Month", "Budget", "Actual", "Forecast"]]
        for offset in range(1, 13):
            quarter.append(
                [
                    fill.month(offset)[:3],
                    fill.money(total_budget * fill.rng.uniform(0.9, 1.1)),
                    fill.money(total_actual * fill.rng.uniform(0.85, 1.15))
                    if offset <= day.month
                    else "",
                    fill.money(total_budget * fill.rng.uniform(0.92, 1.08)),
                ]
            )
        blocks += [heading("Year to date and forecast"), table(quarter)]
    title = fill.pick(("Management accounts", "Monthly budget report", "Budget variance report"))
    return _doc(fill, f"{title} - {department} - {month}", blocks, day=day)


@dataclass(frozen=True)
class _ReportWords:
    title: str
    columns: tuple[str, str, str, str]
    figures: tuple[str, ...]
    sentences: tuple[str, ...]
    million: str


_FINANCE_FOREIGN: dict[str, _ReportWords] = {
    "de": _ReportWords(
        title="Quartalsmitteilung Q{q} {year}",
        columns=("in Mio. €", "Q{q} {year}", "Q{q} {prior}", "Veränderung"),
        figures=("Umsatzerlöse", "EBITDA", "EBIT", "Konzernergebnis", "Free Cashflow"),
        sentences=(
            "Der Umsatz des Konzerns stieg im Berichtszeitraum um {pct} auf {rev} Mio. €.",
            "Das operative Ergebnis (EBIT) verbesserte sich auf {ebit} Mio. €; die EBIT-Marge "
            "lag bei {margin}.",
            "Belastend wirkten höhere Material- und Energiekosten sowie negative Währungseffekte.",
            "Der Free Cashflow war mit {fcf} Mio. € deutlich positiv.",
            "Die Nettofinanzverschuldung verringerte sich zum Quartalsende auf {nd} Mio. €.",
            "Für das Gesamtjahr bestätigt der Vorstand die Prognose eines Umsatzwachstums im "
            "mittleren einstelligen Prozentbereich.",
            "Der Auftragseingang lag um {pct2} über dem Vorjahreswert.",
            "Das Segment {segment} entwickelte sich besser als erwartet.",
        ),
        million="Mio. €",
    ),
    "fr": _ReportWords(
        title="Information financière du {q}e trimestre {year}",
        columns=("en M€", "T{q} {year}", "T{q} {prior}", "Variation"),
        figures=(
            "Chiffre d'affaires",
            "EBITDA",
            "Résultat opérationnel",
            "Résultat net",
            "Flux de trésorerie disponible",
        ),
        sentences=(
            "Le chiffre d'affaires consolidé s'établit à {rev} M€, en hausse de {pct} par "
            "rapport à la même période de l'exercice précédent.",
            "Le résultat opérationnel courant atteint {ebit} M€, soit une marge opérationnelle "
            "de {margin}.",
            "La hausse du coût des matières premières et de l'énergie a pesé sur la rentabilité.",
            "Le flux de trésorerie disponible ressort à {fcf} M€.",
            "L'endettement financier net a été ramené à {nd} M€ à la fin du trimestre.",
            "Le Groupe confirme ses objectifs pour l'ensemble de l'exercice.",
            "Les prises de commandes progressent de {pct2} sur un an.",
            "La division {segment} a enregistré une croissance supérieure aux attentes.",
        ),
        million="M€",
    ),
    "es": _ReportWords(
        title="Informe de resultados del {q}.º trimestre de {year}",
        columns=("millones de €", "T{q} {year}", "T{q} {prior}", "Variación"),
        figures=(
            "Cifra de negocio",
            "EBITDA",
            "Resultado de explotación",
            "Beneficio neto",
            "Flujo de caja libre",
        ),
        sentences=(
            "La cifra de negocio del grupo alcanzó {rev} millones de euros, un {pct} más que en "
            "el mismo periodo del año anterior.",
            "El resultado de explotación se situó en {ebit} millones de euros, con un margen del "
            "{margin}.",
            "El encarecimiento de las materias primas y de la energía afectó a la rentabilidad.",
            "El flujo de caja libre ascendió a {fcf} millones de euros.",
            "La deuda financiera neta se redujo hasta {nd} millones de euros al cierre del "
            "trimestre.",
            "El grupo mantiene sus previsiones para el conjunto del ejercicio.",
            "La cartera de pedidos creció un {pct2} en términos interanuales.",
            "La división de {segment} evolucionó mejor de lo previsto.",
        ),
        million="millones de €",
    ),
}
_FOREIGN_SEGMENTS: dict[str, tuple[str, ...]] = {
    "de": _split("Industrie|Konsumgüter|Dienstleistungen|Gesundheit"),
    "fr": _split("Industrie|Grand public|Services|Santé"),
    "es": _split("industria|consumo|servicios|salud"),
}


def financial_foreign(fill: Fill) -> Doc:
    """A quarterly statement in German, French or Spanish: key figures and commentary."""
    words = _FINANCE_FOREIGN[fill.language]
    company = fill.company()
    year = fill.rng.randint(2015, 2024)
    quarter = str(fill.rng.randint(1, 4))
    published = dt.date(year, int(quarter) * 3, 28) + dt.timedelta(days=fill.rng.randint(20, 50))
    revenue = fill.amount(30, 3000)
    growth = fill.rng.uniform(0.01, 0.2)
    ebitda = fill.rng.uniform(0.1, 0.25)
    ebit = ebitda * fill.rng.uniform(0.5, 0.85)
    shares = (1.0, ebitda, ebit, ebit * fill.rng.uniform(0.5, 0.8), fill.rng.uniform(0.01, 0.08))
    rows = [
        [
            fill.fmt(column, q=quarter, year=str(year), prior=str(year - 1))
            for column in words.columns
        ]
    ]
    for name, share in zip(words.figures, shares, strict=True):
        now, before = revenue * share, revenue * share / (1 + growth * fill.rng.uniform(0.5, 1.5))
        rows.append(
            [
                name,
                fill.decimal(now, 1),
                fill.decimal(before, 1),
                fill.percent((now - before) / before * 100),
            ]
        )
    values = {
        "rev": fill.decimal(revenue, 1),
        "pct": fill.percent(growth * 100),
        "ebit": fill.decimal(revenue * shares[2], 1),
        "margin": fill.percent(shares[2] * 100),
        "fcf": fill.decimal(revenue * shares[4], 1),
        "nd": fill.decimal(revenue * fill.rng.uniform(0.2, 1.0), 1),
        "pct2": fill.percent(fill.rng.uniform(1, 15)),
        "segment": fill.pick(_FOREIGN_SEGMENTS[fill.language]),
    }
    blocks: list[Block] = [lines(company, fill.date(published)), table(rows)]
    for _ in range(fill.by_size((1, 1), (2, 3), (4, 6))):
        blocks.append(para(fill.sentences(words.sentences, 2, 4, **values)))
    title = fill.fmt(words.title, q=quarter, year=str(year))
    return _doc(fill, f"{company} – {title}", blocks, organisation=company, day=published)


# --- correspondence ---------------------------------------------------------------------

_LETTER_PURPOSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "inquiry": (
        "Enquiry about {product}",
        (
            "I am writing to ask whether your company could supply {product} for our new "
            "premises in {city}.",
            "Could you please send us a quotation, including delivery times and any discount "
            "for regular orders?",
            "We would also be grateful for information about your after-sales service and the "
            "length of your guarantee.",
            "Our current supplier has been unable to meet our requirements, and a colleague "
            "recommended your firm.",
            "We would need the first delivery before the end of {month}.",
        ),
    ),
    "complaint": (
        "Order {ref}: damaged delivery",
        (
            "I am writing to complain about the delivery we received on {date} under order "
            "number {ref}.",
            "Several of the items were damaged and two cartons were missing altogether.",
            "I contacted your customer service team by telephone twice but have not yet "
            "received a reply.",
            "I would ask you to replace the damaged goods or refund the amount paid within "
            "fourteen days.",
            "I enclose copies of the delivery note and photographs of the damage.",
            "This is the second time this year that an order has arrived in this condition.",
        ),
    ),
    "follow-up": (
        "Our meeting on {date}",
        (
            "Thank you for taking the time to meet me on {date} to discuss the proposed "
            "partnership.",
            "As agreed, I enclose a summary of the points we covered and the next steps.",
            "Our finance team will prepare the revised figures by the end of the month.",
            "Please let me know if I have misunderstood anything, or if you would like to add "
            "to the list.",
            "I very much enjoyed our conversation and look forward to working together.",
            "I have copied {person}, who will be your main contact from now on.",
        ),
    ),
    "request": (
        "Request for a copy of {document}",
        (
            "Further to our telephone conversation, I would be grateful if you could send me a "
            "copy of {document}.",
            "I need this document for {reason}, and the deadline is {date}.",
            "If there is a fee for this service, please let me know how to pay it.",
            "You can reach me on the telephone number above, or by e-mail.",
        ),
    ),
    "notice": (
        "Change of address",
        (
            "I am writing to let you know that our office will move to {street}, {city}, from "
            "{date}.",
            "Our telephone numbers and e-mail addresses will not change.",
            "Please update your records and send all future correspondence to the new address.",
            "Deliveries during the week of the move may be delayed by a day or two.",
            "We look forward to welcoming you to our new premises.",
        ),
    ),
    "reply": (
        "Your letter of {date}",
        (
            "Thank you for your letter of {date} about the service you received at our {city} "
            "branch.",
            "I am sorry to hear that your experience fell below the standard you are entitled "
            "to expect.",
            "I have looked into the matter with the branch manager, who has spoken to the staff "
            "concerned.",
            "As a gesture of goodwill, I enclose a voucher for {money}.",
            "I hope that this resolves the matter and that we will have the opportunity to "
            "serve you again.",
        ),
    ),
}
_DOCUMENTS = _split(
    "my employment contract|the minutes of the last general meeting|the building survey"
    "|my payslips for the last tax year|the planning permission for the extension"
)
_LETTER_REASONS = _split(
    "a mortgage application|my tax return|an insurance claim|a visa application"
)
_INITIALS = "ABCDEFGHJKLM"
_MEMO_SENDERS = _split("Facilities Manager|Head of HR|Office Manager|Operations Director")
_PRODUCTS_FOR_LETTERS = _split(
    "office furniture|catering equipment|printed packaging|safety signage|cleaning products"
)


def _salutation(fill: Fill, name: str, gender: str) -> str:
    last = name.split()[-1]
    return fill.pick(
        (f"Dear {'Ms' if gender == 'f' else 'Mr'} {last},", f"Dear {name},", "Dear Sir or Madam,")
    )


def correspondence_letter(fill: Fill) -> Doc:
    """A formal business letter: addresses, date, salutation, body, sign-off."""
    purpose = fill.pick(sorted(_LETTER_PURPOSES))
    subject_phrase, pool = _LETTER_PURPOSES[purpose]
    sender, organisation = fill.person(), fill.company()
    first, gender = fill.first_name()
    recipient = f"{first} {fill.last_name()}"
    day = fill.day()
    values = {
        "product": fill.pick(_PRODUCTS_FOR_LETTERS),
        "document": fill.pick(_DOCUMENTS),
        "reason": fill.pick(_LETTER_REASONS),
        "ref": f"{fill.rng.randint(10000, 99999)}",
    }
    subject = fill.fmt(subject_phrase, **values)
    body = fill.ordered_paragraphs(pool, fill.by_size((1, 1), (2, 3), (3, 4)), **values)
    blocks: list[Block] = [
        lines(organisation, *fill.address(), fill.phone()),
        lines(fill.date(day)),
        lines(recipient, fill.company(), *fill.address()),
        lines(f"Our ref: {fill.pick(_INITIALS)}{fill.pick(_INITIALS)}/{fill.rng.randint(100, 999)}")
        if fill.rng.random() < 0.4
        else lines(),
        para(_salutation(fill, recipient, gender)),
        para(subject.upper() if fill.rng.random() < 0.5 else f"Re: {subject}"),
        *body,
        para(
            fill.pick(
                (
                    "I look forward to hearing from you.",
                    "Thank you in advance for your help.",
                    "Please do not hesitate to contact me if you need anything further.",
                )
            )
        ),
        lines(
            fill.pick(("Yours sincerely,", "Yours faithfully,", "Kind regards,")),
            "",
            sender,
            fill.pick(
                (
                    "Office Manager",
                    "Purchasing Manager",
                    "Director",
                    "Customer Relations Manager",
                    "Administrator",
                )
            ),
        ),
    ]
    return _doc(
        fill, None, blocks, subject=subject, author=sender, organisation=organisation, day=day
    )


_MEMO_TOPICS: dict[str, tuple[str, ...]] = {
    "Office closure over the holidays": (
        "The office will close at 1 pm on 24 December and reopen on the first working day of the "
        "new year.",
        "Please make sure that all urgent work is handed over before you leave.",
        "The IT helpdesk will be available by phone for emergencies only.",
        "Remember to switch off monitors and heaters at your desk.",
    ),
    "New expense claim procedure": (
        "From {date}, all expense claims must be submitted through the online portal.",
        "Paper forms will no longer be accepted after the end of this month.",
        "Receipts must be photographed and attached to each claim line.",
        "Claims submitted by the 20th will be paid with that month's salary.",
        "Training sessions on the new system will be held on {weekday} mornings.",
    ),
    "Parking during the building works": (
        "The rear car park will be closed from {date} while the new extension is built.",
        "Staff who hold a permit may use the multi-storey car park on {street} until further "
        "notice.",
        "Please car share where possible and allow extra time for your journey.",
        "Bicycle racks have been moved to the front entrance.",
    ),
    "Fire drill": (
        "A fire drill will take place on {date} at approximately 11 am.",
        "When the alarm sounds, leave the building by the nearest exit and go to the assembly "
        "point.",
        "Fire wardens should collect the sign-in sheets from reception.",
        "Please do not use the lifts.",
    ),
    "IT helpdesk hours": (
        "From next month the IT helpdesk will be staffed from 8 am to 6 pm.",
        "Outside these hours, please log requests on the self-service portal.",
        "Password resets can now be done without calling the helpdesk.",
        "Thank you for your patience while the team has been short-staffed.",
    ),
}


def correspondence_memo(fill: Fill) -> Doc:
    """An internal memorandum."""
    topic = fill.pick(sorted(_MEMO_TOPICS))
    pool = _MEMO_TOPICS[topic]
    sender = fill.person()
    day = fill.day()
    audience = fill.pick(
        (
            "All staff",
            "All office staff",
            "Team leaders",
            "Finance department",
            "Everyone at the " + fill.city() + " site",
        )
    )
    blocks: list[Block] = [
        lines(
            f"To: {audience}",
            f"From: {sender}, {fill.pick(_MEMO_SENDERS)}",
            f"Date: {fill.date(day)}",
            f"Subject: {topic}",
        ),
        *fill.ordered_paragraphs(pool, fill.by_size((1, 1), (2, 2), (2, 3))),
        para(
            fill.pick(
                (
                    "If you have any questions, please speak to your line manager.",
                    "Thank you for your cooperation.",
                    "Many thanks,",
                )
            )
        ),
        lines(sender.split()[0]),
    ]
    return _doc(
        fill,
        fill.pick(("MEMORANDUM", "Memo", "Internal memo")),
        blocks,
        subject=topic,
        author=sender,
        day=day,
    )


_PERSONAL = (
    "It was lovely to hear from you last week.",
    "We finally got back from {city} on Sunday, tired but happy.",
    "The children have started at their new school and seem to be settling in well.",
    "How is the new job going? I hope they are treating you better than the last lot.",
    "Mum says hello and asks whether you are still coming for her birthday in {month}.",
    "The garden is a mess after all the rain, but the tomatoes survived.",
    "Let me know when you are free for a call - evenings are best for us.",
    "I have been meaning to write for ages, but work has been mad since the spring.",
    "We are thinking of driving up to see you at half term, if that suits.",
    "Did you ever hear back about the flat? Fingers crossed.",
    "The dog has discovered the neighbours' cat and there is no peace in the street.",
    "I finished the book you lent me and loved it. I will bring it back when we visit.",
    "Sorry this is so short - I will write properly at the weekend.",
)


def correspondence_personal(fill: Fill) -> Doc:
    """A personal letter or e-mail between friends or family."""
    writer, _ = fill.first_name()
    reader, _ = fill.first_name()
    day = fill.day()
    body = [
        para(fill.sentences(_PERSONAL, 2, 4)) for _ in range(fill.by_size((1, 1), (2, 3), (4, 5)))
    ]
    blocks: list[Block] = [
        lines(fill.date(day)) if fill.rng.random() < 0.5 else lines(),
        para(fill.pick((f"Hi {reader},", f"Dear {reader},", f"Hello {reader}!"))),
        *body,
        para(
            fill.pick(
                (
                    f"Give my love to {fill.first_name()[0]}.",
                    "Write soon.",
                    "Speak soon!",
                    "Hope to see you before long.",
                )
            )
        ),
        lines(
            fill.pick(("Love,", "Take care,", "Best wishes,", "Cheers,", "Lots of love,")), writer
        ),
    ]
    subject = fill.pick(
        ("Catching up", "News from home", "Hello from " + fill.city(), "Long time!", "Half term?")
    )
    return _doc(
        fill, None, blocks, subject=subject, author=writer + " " + fill.last_name(), day=day
    )


_SUPPORT_OUTCOMES = (
    "We have checked your account and can confirm that the duplicate payment of {money} will "
    "be refunded within five working days.",
    "The replacement part was dispatched today and should arrive by {date}.",
    "Unfortunately the warranty on your device expired on {date}, but we can offer a repair at "
    "a reduced rate.",
    "I have passed your comments to the delivery team so that this does not happen again.",
    "Your subscription has been cancelled and you will not be charged again.",
    "I have reset your account, and you should now be able to log in with a new password.",
    "A technician will visit on {date} between 8 am and 1 pm.",
)


def correspondence_support(fill: Fill) -> Doc:
    """A customer service reply with a case number."""
    company = fill.company()
    agent = fill.person()
    customer = fill.person()
    case = f"{fill.rng.randint(1000000, 9999999)}"
    day = fill.day()
    blocks: list[Block] = [
        para(f"Dear {customer},"),
        para(f"Thank you for contacting {company}. Your case number is {case}."),
        para(fill.sentences(_SUPPORT_OUTCOMES, 1, 3)),
        para(
            fill.pick(
                (
                    "If you need further help, simply reply to this message and quote your case "
                    "number.",
                    "Please accept our apologies for the inconvenience.",
                    "We value your feedback and are always looking to improve.",
                )
            )
        ),
        lines("Kind regards,", agent, f"Customer Support Team, {company}"),
    ]
    return _doc(
        fill, None, blocks, subject=f"Your case {case}", author=agent, organisation=company, day=day
    )


@dataclass(frozen=True)
class _LetterWords:
    salutations: tuple[str, str, str]  # to a woman, to a man, to no one in particular
    subject: str
    subjects: tuple[str, ...]
    sentences: tuple[str, ...]
    closings: tuple[str, ...]


_LETTER_FOREIGN: dict[str, _LetterWords] = {
    "de": _LetterWords(
        salutations=(
            "Sehr geehrte Frau {last},",
            "Sehr geehrter Herr {last},",
            "Sehr geehrte Damen und Herren,",
        ),
        subject="Betreff: ",
        subjects=(
            "Ihre Bestellung Nr. {ref}",
            "Unser Gespräch vom {date}",
            "Reklamation der Lieferung {ref}",
            "Ihr Angebot vom {date}",
        ),
        sentences=(
            "Wir danken Ihnen für Ihr Schreiben vom {date}.",
            "Wir beziehen uns auf unser Telefonat von letzter Woche und senden Ihnen heute die "
            "vereinbarten Unterlagen.",
            "Leider mussten wir feststellen, dass die am {date} gelieferte Ware teilweise "
            "beschädigt war.",
            "Wir bitten Sie, uns bis zum {date} ein entsprechendes Angebot zukommen zu lassen.",
            "Für Rückfragen stehe ich Ihnen selbstverständlich gern zur Verfügung.",
            "Bitte teilen Sie uns mit, ob der vorgeschlagene Termin für Sie passt.",
            "Anbei erhalten Sie eine Kopie des Lieferscheins.",
            "Wir würden uns freuen, die Zusammenarbeit mit Ihnen fortzusetzen.",
        ),
        closings=("Mit freundlichen Grüßen", "Freundliche Grüße"),
    ),
    "fr": _LetterWords(
        salutations=("Madame,", "Monsieur,", "Madame, Monsieur,"),
        subject="Objet : ",
        subjects=(
            "Votre commande n° {ref}",
            "Notre entretien du {date}",
            "Réclamation concernant la livraison {ref}",
            "Votre devis du {date}",
        ),
        sentences=(
            "Nous accusons réception de votre courrier du {date} et vous en remercions.",
            "Suite à notre entretien téléphonique, je vous adresse ci-joint les documents "
            "demandés.",
            "Nous avons constaté que la marchandise livrée le {date} était en partie endommagée.",
            "Je vous serais reconnaissant de bien vouloir me faire parvenir un devis avant le "
            "{date}.",
            "Je reste à votre disposition pour tout renseignement complémentaire.",
            "Pourriez-vous me confirmer que la date proposée vous convient ?",
            "Vous trouverez en pièce jointe une copie du bon de livraison.",
            "Nous espérons poursuivre notre collaboration dans les meilleures conditions.",
        ),
        closings=(
            "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
            "Veuillez agréer mes salutations distinguées.",
        ),
    ),
    "es": _LetterWords(
        salutations=("Estimada Sra. {last}:", "Estimado Sr. {last}:", "Muy señores míos:"),
        subject="Asunto: ",
        subjects=(
            "Su pedido n.º {ref}",
            "Nuestra reunión del {date}",
            "Reclamación del envío {ref}",
            "Su presupuesto del {date}",
        ),
        sentences=(
            "Le agradecemos su carta del {date}.",
            "En relación con nuestra conversación telefónica, le envío adjunta la "
            "documentación solicitada.",
            "Lamentamos comunicarle que parte de la mercancía recibida el {date} llegó dañada.",
            "Le agradecería que nos enviara un presupuesto antes del {date}.",
            "Quedo a su disposición para cualquier aclaración.",
            "¿Podría confirmarnos si la fecha propuesta le resulta conveniente?",
            "Adjuntamos una copia del albarán de entrega.",
            "Esperamos poder seguir colaborando con ustedes.",
        ),
        closings=("Atentamente,", "Un cordial saludo,"),
    ),
}


def correspondence_foreign(fill: Fill) -> Doc:
    """A business letter in German, French or Spanish."""
    words = _LETTER_FOREIGN[fill.language]
    sender, organisation = fill.person(), fill.company()
    first, gender = fill.first_name()
    last = fill.last_name()
    day = fill.day()
    subject = fill.fmt(fill.pick(words.subjects))
    salutation = fill.pick((words.salutations[0 if gender == "f" else 1], words.salutations[2]))
    blocks: list[Block] = [
        lines(organisation, *fill.address()),
        lines(f"{first} {last}", fill.company(), *fill.address()),
        lines(f"{fill.city()}, {fill.date(day)}"),
        para(words.subject + subject),
        para(fill.fmt(salutation, last=last)),
        *(
            para(fill.sentences(words.sentences, 2, 4))
            for _ in range(fill.by_size((1, 1), (2, 2), (3, 4)))
        ),
        lines(fill.pick(words.closings), "", sender),
    ]
    return _doc(
        fill, None, blocks, subject=subject, author=sender, organisation=organisation, day=day
    )


# --- academic_paper ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Topic:
    factor: str
    outcome: str
    population: str
    method: str
    discipline: str


_TOPICS = (
    _Topic(
        "sleep duration",
        "working memory performance",
        "undergraduate students",
        "a randomised crossover design",
        "Psychology",
    ),
    _Topic(
        "nitrogen fertilisation",
        "root biomass",
        "winter wheat cultivars",
        "a two-year field trial",
        "Agronomy",
    ),
    _Topic(
        "class size",
        "reading attainment",
        "primary schools",
        "a regression discontinuity design",
        "Education",
    ),
    _Topic(
        "batch size",
        "generalisation error",
        "convolutional neural networks",
        "a controlled series of training runs",
        "Computer Science",
    ),
    _Topic(
        "minimum wage increases",
        "employment in small firms",
        "regional labour markets",
        "a difference-in-differences design",
        "Economics",
    ),
    _Topic(
        "urban tree cover",
        "summer surface temperature",
        "residential neighbourhoods",
        "satellite imagery combined with ground sensors",
        "Environmental Science",
    ),
    _Topic(
        "early mobilisation",
        "length of hospital stay",
        "patients after hip replacement",
        "a retrospective cohort study",
        "Clinical Medicine",
    ),
    _Topic(
        "cache replacement policy",
        "tail latency",
        "key-value stores under skewed workloads",
        "trace-driven simulation",
        "Computer Systems",
    ),
    _Topic(
        "social media use",
        "self-reported loneliness",
        "adults over 65",
        "a three-wave panel survey",
        "Sociology",
    ),
    _Topic(
        "soil moisture",
        "pollinator visitation",
        "wildflower meadows",
        "repeated transect counts",
        "Ecology",
    ),
)
_TITLE_PATTERNS = (
    "The Effect of {Factor} on {Outcome} in {Population}",
    "{Factor} and {Outcome}: Evidence from {Population}",
    "Does {Factor} Affect {Outcome}? A Study of {Population}",
    "Revisiting the Relationship between {Factor} and {Outcome}",
    "{Outcome} under Varying {Factor}: An Empirical Analysis",
)
_JOURNALS = _split(
    "Journal of Applied Inquiry|Review of Empirical Studies|Proceedings of the Workshop on "
    "Systems Performance|International Journal of Field Research|Quarterly Journal of Method"
    "|Annals of Experimental Science|Letters in Computational Modelling"
)
_PAPER_SECTIONS: dict[str, tuple[str, ...]] = {
    "abstract": (
        "We examine whether {factor} is associated with {outcome} in {population}.",
        "Using {method} with {N} observations, we estimate the size of this association and "
        "test whether it differs across subgroups.",
        "Results indicate that {outcome} changed by {effect} (95% CI {lo} to {hi}) per unit "
        "increase in {factor}.",
        "The effect was robust to alternative specifications but weaker in the smallest units.",
        "These findings suggest that {factor} deserves more attention in both research and "
        "practice.",
    ),
    "introduction": (
        "A growing body of literature has examined {factor}, yet evidence on its relationship "
        "with {outcome} remains mixed [{r1}, {r2}].",
        "Prior work has relied largely on cross-sectional data, which makes causal "
        "interpretation difficult.",
        "In this paper we address this gap by exploiting {method}.",
        "Our contribution is threefold: we assemble a new data set, we propose a transparent "
        "estimation strategy, and we report effects separately for subgroups.",
        "Understanding this relationship matters for practitioners who must allocate scarce "
        "resources [{r3}].",
        "The remainder of the paper is organised as follows: Section 2 reviews related work, "
        "Section 3 describes the data and methods, Section 4 presents results, and Section 5 "
        "discusses implications and limitations.",
    ),
    "related": (
        "{Last} et al. ({year}) reported a positive association between {factor} and {outcome} "
        "in a sample of {n} sites.",
        "In contrast, {Last} and {Last2} ({year}) found no significant effect after controlling "
        "for baseline differences.",
        "Several reviews have highlighted substantial heterogeneity across study designs [{r1}].",
        "Theoretical accounts emphasise the role of thresholds, beyond which additional "
        "increases have little effect [{r2}].",
        "Methodological critiques have pointed to small samples and the absence of "
        "pre-registration in much of this work [{r3}].",
    ),
    "methods": (
        "Data were collected between {month} {year} and {month} {year2}.",
        "The study protocol was approved by the institutional ethics committee (reference "
        "{ref}), and all participants gave informed consent.",
        "The primary outcome was {outcome}, measured with a validated instrument at baseline "
        "and follow-up.",
        "We fitted linear mixed-effects models with random intercepts for site.",
        "Missing data ({missing} of observations) were handled by multiple imputation with 20 "
        "imputed data sets.",
        "All analyses were conducted in R version 4.{minor}, and the code is available from "
        "the authors on request.",
        "Statistical significance was assessed at the 5% level, two-sided.",
        "Sample size was chosen to detect a standardised effect of 0.3 with 80% power.",
    ),
    "results": (
        "Table 1 summarises descriptive statistics for the two groups.",
        "Mean {outcome} was {m1} (SD {s1}) in the higher-{factor} group and {m2} (SD {s2}) in "
        "the comparison group.",
        "The difference was statistically significant (t({df}) = {t}, p = {p}).",
        "The estimated effect was larger in the second year of observation than in the first.",
        "Adding control variables reduced the coefficient only slightly, from {effect} to "
        "{effect2}.",
        "Sensitivity analyses excluding outliers yielded similar estimates.",
        "We found no evidence of an interaction between {factor} and baseline status (p = {p2}).",
    ),
    "discussion": (
        "Our results are consistent with earlier experimental findings [{r2}] and extend them "
        "to {population}.",
        "One possible explanation is that {factor} operates through indirect channels that "
        "cross-sectional studies cannot detect.",
        "Several limitations should be noted. First, the sample was drawn from a single "
        "region. Second, measurement error in {outcome} may have attenuated the estimates.",
        "Future research should test whether the effect persists over longer periods.",
        "Practitioners should be cautious in generalising these findings beyond the settings "
        "studied here.",
    ),
    "conclusion": (
        "This study provides evidence that {factor} is associated with {outcome} in {population}.",
        "The size of the effect is modest but of practical importance.",
        "We hope that the data set released with this paper will support further work.",
    ),
}


def _capital_words(text: str) -> str:
    small = {"and", "of", "in", "on", "the", "a", "an", "for", "over", "under", "after", "with"}
    return " ".join(
        word if i and word in small else word[:1].upper() + word[1:]
        for i, word in enumerate(text.split())
    )


def _references(fill: Fill, count: int, topic: _Topic) -> list[str]:
    result = []
    for number in range(1, count + 1):
        authors = ", ".join(
            f"{fill.last_name()}, {fill.first_name()[0][0]}." for _ in range(fill.rng.randint(1, 4))
        )
        year = fill.rng.randint(1995, 2023)
        title = fill.pick(
            (
                f"{topic.factor.capitalize()} revisited",
                f"New evidence on {topic.outcome}",
                f"Measuring {topic.outcome} in {topic.population}",
                f"A framework for studying {topic.factor}",
                "Heterogeneous effects in observational data",
                "Mixed models for clustered outcomes",
            )
        )
        volume, issue, page = (
            fill.rng.randint(3, 90),
            fill.rng.randint(1, 12),
            fill.rng.randint(1, 900),
        )
        result.append(
            f"[{number}] {authors} ({year}). {title}. {fill.pick(_JOURNALS)}, {volume}({issue}), "
            f"{page}–{page + fill.rng.randint(8, 30)}."
        )
    return result


def _paper_values(fill: Fill, topic: _Topic, references: int) -> dict[str, str]:
    year = fill.rng.randint(2012, 2022)
    effect = fill.rng.uniform(0.05, 0.9)
    m1 = fill.rng.uniform(10, 80)
    r = [str(fill.rng.randint(1, max(references, 3))) for _ in range(3)]
    return {
        "factor": topic.factor,
        "outcome": topic.outcome,
        "population": topic.population,
        "method": topic.method,
        "N": fill.integer(fill.rng.randint(80, 24000)),
        "effect": f"{effect:.2f}",
        "effect2": f"{effect * fill.rng.uniform(0.8, 0.98):.2f}",
        "lo": f"{effect * 0.6:.2f}",
        "hi": f"{effect * 1.4:.2f}",
        "r1": r[0],
        "r2": r[1],
        "r3": r[2],
        "Last": fill.last_name(),
        "Last2": fill.last_name(),
        "year": str(year),
        "year2": str(year + fill.rng.randint(1, 3)),
        "missing": f"{fill.rng.uniform(0.5, 9):.1f}%",
        "minor": str(fill.rng.randint(0, 4)),
        "m1": f"{m1:.1f}",
        "s1": f"{fill.rng.uniform(2, 15):.1f}",
        "m2": f"{m1 * fill.rng.uniform(0.8, 0.97):.1f}",
        "s2": f"{fill.rng.uniform(2, 15):.1f}",
        "df": str(fill.rng.randint(40, 900)),
        "t": f"{fill.rng.uniform(2.0, 6.5):.2f}",
        "p": fill.pick(("0.001", "0.004", "0.012", "0.03", "< 0.001")),
        "p2": f"{fill.rng.uniform(0.1, 0.9):.2f}",
    }


_DEPARTMENTS = _split("Psychology|Biology|Economics|Computer Science|Education|Medicine|Geography")


def _authors_block(fill: Fill, discipline: str) -> Block:
    names = [fill.person() for _ in range(fill.rng.randint(1, 5))]
    places = [f"Department of {discipline}, University of {fill.city()}"]
    if fill.rng.random() < 0.4:
        places.append(f"Department of {fill.pick(_DEPARTMENTS)}, University of {fill.city()}")
    return lines(", ".join(names), *places, f"Correspondence: {fill.email(names[0], 'university')}")


def paper_empirical(fill: Fill) -> Doc:
    """An empirical research article: abstract, IMRaD sections, a results table, references."""
    topic = fill.pick(_TOPICS)
    count = fill.by_size((4, 6), (8, 14), (18, 32))
    values = _paper_values(fill, topic, count)
    title = fill.pick(_TITLE_PATTERNS).format(
        Factor=_capital_words(topic.factor),
        Outcome=_capital_words(topic.outcome),
        Population=_capital_words(topic.population),
    )
    repeat = fill.by_size((1, 1), (1, 2), (3, 5))
    blocks: list[Block] = [
        _authors_block(fill, topic.discipline),
        heading("Abstract"),
        para(fill.sentences_in_order(_PAPER_SECTIONS["abstract"], 4, 5, **values)),
        para(
            f"Keywords: {topic.factor}; {topic.outcome}; {topic.population}; "
            f"{topic.discipline.lower()}"
        ),
    ]
    numbered_sections = (
        ("Introduction", "introduction"),
        ("Related Work", "related"),
        ("Data and Methods", "methods"),
        ("Results", "results"),
        ("Discussion", "discussion"),
        ("Conclusion", "conclusion"),
    )
    for number, (name, key) in enumerate(numbered_sections, start=1):
        blocks.append(heading(f"{number} {name}"))
        pool = _PAPER_SECTIONS[key]
        for _ in range(repeat if key not in ("conclusion",) else 1):
            blocks.append(para(fill.sentences_in_order(pool, 3, len(pool), **values)))
        if key == "results":
            blocks += [
                para("Table 1. Descriptive statistics by group."),
                table(
                    [
                        ["Group", "N", "Mean", "SD"],
                        [
                            f"Higher {topic.factor}",
                            str(fill.rng.randint(30, 900)),
                            values["m1"],
                            values["s1"],
                        ],
                        ["Comparison", str(fill.rng.randint(30, 900)), values["m2"], values["s2"]],
                    ]
                ),
            ]
    blocks += [heading("References"), lines(*_references(fill, count, topic))]
    return _doc(
        fill, title, blocks, author=values["Last"], organisation=f"University of {fill.city()}"
    )


_REVIEW_SENTENCES = (
    "We searched three bibliographic databases for studies published between {y1} and {y2}; "
    "{k} of {K} records met the inclusion criteria.",
    "Most of the included studies were observational, and only a minority reported "
    "pre-registered analyses.",
    "Effect sizes ranged widely, from negligible to large, with a pooled estimate of {effect}.",
    "Heterogeneity was substantial (I² = {i2}%), largely explained by differences in measurement.",
    "Studies with longer follow-up tended to report smaller effects, suggesting that early "
    "gains fade.",
    "Theoretical work has proposed at least three mechanisms linking {factor} to {outcome}.",
    "Few studies have examined {population} directly, which limits what can be said about them.",
    "Publication bias cannot be ruled out: small studies with null results appear to be "
    "under-represented.",
    "We identify four open questions that future work should prioritise.",
)


def paper_review(fill: Fill) -> Doc:
    """A review article: scope, themes, open questions."""
    topic = fill.pick(_TOPICS)
    count = fill.by_size((5, 8), (12, 20), (30, 45))
    values = {
        **_paper_values(fill, topic, count),
        "y1": str(fill.rng.randint(1985, 2000)),
        "y2": str(fill.rng.randint(2015, 2023)),
        "k": str(fill.rng.randint(12, 90)),
        "K": fill.integer(fill.rng.randint(400, 5000)),
        "i2": str(fill.rng.randint(35, 92)),
    }
    title = fill.pick(
        (
            f"{_capital_words(topic.factor)} and {_capital_words(topic.outcome)}: A Review",
            f"What Do We Know about {_capital_words(topic.factor)}? A Systematic Review",
            f"{_capital_words(topic.outcome)}: A Narrative Review of the Evidence",
        )
    )
    blocks: list[Block] = [
        _authors_block(fill, topic.discipline),
        heading("Abstract"),
        para(fill.sentences_in_order(_REVIEW_SENTENCES, 3, 4, **values)),
        heading("1 Introduction"),
        para(fill.sentences_in_order(_PAPER_SECTIONS["introduction"], 3, 5, **values)),
        heading("2 Scope and Search Strategy"),
        para(fill.sentences_in_order(_REVIEW_SENTENCES[:3], 2, 3, **values)),
    ]
    themes = fill.some(
        (
            "Measurement",
            "Mechanisms",
            "Moderators",
            "Long-term effects",
            "Interventions",
            "Methodological quality",
        ),
        *{"short": (1, 2), "medium": (3, 4), "long": (5, 6)}[fill.size],
    )
    for number, theme in enumerate(themes, start=3):
        blocks.append(heading(f"{number} {theme}"))
        for _ in range(fill.by_size((1, 1), (1, 2), (2, 3))):
            blocks.append(
                para(
                    fill.sentences_in_order(
                        _REVIEW_SENTENCES + _PAPER_SECTIONS["related"], 3, 5, **values
                    )
                )
            )
    blocks += [
        heading(f"{len(themes) + 3} Open Questions"),
        steps(
            fill.some(
                (
                    "Which mechanisms account for most of the effect?",
                    f"Does the effect hold in {topic.population} outside high-income countries?",
                    "How large is the effect once publication bias is accounted for?",
                    "What is the optimal level, and is there a threshold?",
                    "Can the findings be reproduced with open data?",
                ),
                2,
                4,
            )
        ),
        heading("References"),
        lines(*_references(fill, count, topic)),
    ]
    return _doc(fill, title, blocks, author=values["Last"])


def paper_short(fill: Fill) -> Doc:
    """A workshop paper or extended abstract of a page or two."""
    topic = fill.pick(_TOPICS)
    values = _paper_values(fill, topic, 4)
    venue = fill.pick(("Extended abstract", "Workshop paper", "Short paper", "Poster abstract"))
    title = fill.pick(_TITLE_PATTERNS).format(
        Factor=_capital_words(topic.factor),
        Outcome=_capital_words(topic.outcome),
        Population=_capital_words(topic.population),
    )
    blocks: list[Block] = [
        lines(venue, ", ".join(fill.person() for _ in range(fill.rng.randint(1, 3)))),
        heading("Abstract"),
        para(fill.sentences_in_order(_PAPER_SECTIONS["abstract"], 3, 4, **values)),
        heading("1 Motivation"),
        para(fill.sentences_in_order(_PAPER_SECTIONS["introduction"], 2, 3, **values)),
        heading("2 Approach"),
        para(fill.sentences_in_order(_PAPER_SECTIONS["methods"], 2, 4, **values)),
        heading("3 Preliminary Results"),
        para(fill.sentences_in_order(_PAPER_SECTIONS["results"], 2, 3, **values)),
        heading("4 Next Steps"),
        para(
            fill.pick(
                (
                    "We are extending the evaluation to a larger sample and will release the data.",
                    "Next, we will test the approach in a second setting and compare it with "
                    "established baselines.",
                    "Feedback from the workshop will shape the design of the full study.",
                )
            )
        ),
        heading("References"),
        lines(*_references(fill, fill.rng.randint(2, 5), topic)),
    ]
    return _doc(fill, title, blocks)


@dataclass(frozen=True)
class _PaperWords:
    sections: tuple[
        str, ...
    ]  # abstract, keywords, introduction, method, results, discussion, references
    title: str
    topics: tuple[tuple[str, str, str], ...]  # factor, outcome, keyword
    sentences: dict[str, tuple[str, ...]]


_PAPER_FOREIGN: dict[str, _PaperWords] = {
    "de": _PaperWords(
        sections=(
            "Zusammenfassung",
            "Schlüsselwörter",
            "1 Einleitung",
            "2 Methode",
            "3 Ergebnisse",
            "4 Diskussion",
            "Literatur",
        ),
        title="Zum Zusammenhang zwischen {a} und {b}: eine empirische Untersuchung",
        topics=(
            ("der Schlafdauer", "der Arbeitsgedächtnisleistung", "Schlaf"),
            ("der Stickstoffdüngung", "der Wurzelbiomasse", "Winterweizen"),
            ("der Klassengröße", "der Lesekompetenz", "Grundschule"),
            ("dem städtischen Baumbestand", "der Oberflächentemperatur", "Stadtklima"),
        ),
        sentences={
            "abstract": (
                "In dieser Studie untersuchen wir den Zusammenhang zwischen {a} und {b}.",
                "Die Datengrundlage bilden {n} Beobachtungen aus den Jahren {y1} bis {y2}.",
                "Die Ergebnisse zeigen einen signifikanten positiven Effekt (p < 0,01).",
                "Der Effekt bleibt auch unter Kontrolle soziodemografischer Merkmale stabil.",
            ),
            "introduction": (
                "Die bisherige Forschung liefert zu dieser Frage widersprüchliche Befunde [{r}].",
                "Die meisten vorliegenden Arbeiten beruhen auf Querschnittsdaten, die kausale "
                "Aussagen nur eingeschränkt zulassen.",
                "Ziel des vorliegenden Beitrags ist es, diese Forschungslücke zu schließen.",
                "Der Beitrag ist wie folgt aufgebaut: Abschnitt 2 beschreibt Daten und Methode, "
                "Abschnitt 3 die Ergebnisse, Abschnitt 4 diskutiert sie.",
            ),
            "method": (
                "Die Daten wurden zwischen {y1} und {y2} an {k} Standorten erhoben.",
                "Die Analyse erfolgte mit linearen gemischten Modellen.",
                "Fehlende Werte wurden mittels multipler Imputation ersetzt.",
                "Die Studie wurde von der zuständigen Ethikkommission genehmigt.",
            ),
            "results": (
                "Tabelle 1 fasst die deskriptiven Statistiken zusammen.",
                "Der geschätzte Effekt beträgt {e} (95-%-Konfidenzintervall {lo} bis {hi}).",
                "Sensitivitätsanalysen ohne Ausreißer führen zu ähnlichen Schätzungen.",
                "Eine Wechselwirkung mit dem Ausgangsniveau ließ sich nicht nachweisen.",
            ),
            "discussion": (
                "Die Befunde stimmen mit früheren experimentellen Studien überein [{r}].",
                "Einschränkend ist anzumerken, dass die Stichprobe nicht repräsentativ ist.",
                "Künftige Studien sollten längere Beobachtungszeiträume berücksichtigen.",
                "Für die Praxis ergeben sich daraus erste Hinweise, die jedoch vorsichtig zu "
                "interpretieren sind.",
            ),
        },
    ),
    "fr": _PaperWords(
        sections=(
            "Résumé",
            "Mots-clés",
            "1. Introduction",
            "2. Méthodologie",
            "3. Résultats",
            "4. Discussion",
            "Bibliographie",
        ),
        title="La relation entre {a} et {b} : une analyse empirique",
        topics=(
            ("la durée du sommeil", "la mémoire de travail", "sommeil"),
            ("la fertilisation azotée", "la biomasse racinaire", "blé d'hiver"),
            ("la taille des classes", "les compétences en lecture", "école primaire"),
            ("la couverture arborée urbaine", "la température de surface", "climat urbain"),
        ),
        sentences={
            "abstract": (
                "Cette étude examine la relation entre {a} et {b}.",
                "Les données portent sur {n} observations recueillies entre {y1} et {y2}.",
                "Les résultats mettent en évidence un effet positif et significatif (p < 0,01).",
                "L'effet reste robuste après contrôle des caractéristiques sociodémographiques.",
            ),
            "introduction": (
                "La littérature existante aboutit à des conclusions contrastées [{r}].",
                "La plupart des travaux reposent sur des données transversales, ce qui limite "
                "l'interprétation causale.",
                "L'objectif de cet article est de combler cette lacune.",
                "La section 2 présente les données et la méthode, la section 3 les résultats, "
                "et la section 4 les discute.",
            ),
            "method": (
                "Les données ont été collectées entre {y1} et {y2} sur {k} sites.",
                "Les analyses ont été réalisées à l'aide de modèles linéaires mixtes.",
                "Les valeurs manquantes ont été traitées par imputation multiple.",
                "Le protocole a été approuvé par le comité d'éthique compétent.",
            ),
            "results": (
                "Le tableau 1 présente les statistiques descriptives.",
                "L'effet estimé est de {e} (intervalle de confiance à 95 % : {lo} à {hi}).",
                "Les analyses de sensibilité excluant les valeurs aberrantes donnent des "
                "estimations proches.",
                "Aucune interaction avec le niveau initial n'a été mise en évidence.",
            ),
            "discussion": (
                "Ces résultats concordent avec des études expérimentales antérieures [{r}].",
                "Cette étude présente toutefois des limites, notamment la taille de l'échantillon.",
                "Des recherches futures devraient s'appuyer sur des données longitudinales.",
                "Ces résultats doivent être interprétés avec prudence.",
            ),
        },
    ),
    "es": _PaperWords(
        sections=(
            "Resumen",
            "Palabras clave",
            "1. Introducción",
            "2. Metodología",
            "3. Resultados",
            "4. Discusión",
            "Referencias",
        ),
        title="La relación entre {a} y {b}: un análisis empírico",
        topics=(
            ("la duración del sueño", "la memoria de trabajo", "sueño"),
            ("la fertilización nitrogenada", "la biomasa radicular", "trigo de invierno"),
            ("el tamaño del grupo", "la competencia lectora", "educación primaria"),
            ("el arbolado urbano", "la temperatura superficial", "clima urbano"),
        ),
        sentences={
            "abstract": (
                "Este estudio analiza la relación entre {a} y {b}.",
                "Los datos comprenden {n} observaciones recogidas entre {y1} y {y2}.",
                "Los resultados muestran un efecto positivo y significativo (p < 0,01).",
                "El efecto se mantiene tras controlar por variables sociodemográficas.",
            ),
            "introduction": (
                "La literatura previa ofrece resultados contradictorios [{r}].",
                "La mayoría de los trabajos se basan en datos transversales, lo que limita la "
                "interpretación causal.",
                "El objetivo de este artículo es contribuir a cerrar esta laguna.",
                "La sección 2 describe los datos y el método, la sección 3 presenta los "
                "resultados y la sección 4 los discute.",
            ),
            "method": (
                "Los datos se recogieron entre {y1} y {y2} en {k} centros.",
                "Los análisis se realizaron mediante modelos lineales mixtos.",
                "Los valores perdidos se trataron mediante imputación múltiple.",
                "El protocolo fue aprobado por el comité de ética correspondiente.",
            ),
            "results": (
                "La tabla 1 resume los estadísticos descriptivos.",
                "El efecto estimado es de {e} (intervalo de confianza del 95 %: {lo} a {hi}).",
                "Los análisis de sensibilidad sin valores atípicos arrojan estimaciones similares.",
                "No se encontró interacción con el nivel inicial.",
            ),
            "discussion": (
                "Estos resultados coinciden con estudios experimentales anteriores [{r}].",
                "Entre las limitaciones del estudio cabe señalar el tamaño de la muestra.",
                "Futuras investigaciones deberían emplear datos longitudinales.",
                "Los resultados deben interpretarse con cautela.",
            ),
        },
    ),
}


def paper_foreign(fill: Fill) -> Doc:
    """A research article in German, French or Spanish."""
    words = _PAPER_FOREIGN[fill.language]
    a, b, keyword = fill.pick(words.topics)
    y1 = fill.rng.randint(2008, 2018)
    effect = fill.rng.uniform(0.1, 0.8)
    values = {
        "a": a,
        "b": b,
        "n": fill.integer(fill.rng.randint(90, 9000)),
        "y1": str(y1),
        "y2": str(y1 + fill.rng.randint(1, 4)),
        "k": str(fill.rng.randint(3, 40)),
        "r": str(fill.rng.randint(1, 9)),
        "e": fill.decimal(effect),
        "lo": fill.decimal(effect * 0.6),
        "hi": fill.decimal(effect * 1.4),
    }
    abstract, keywords, *numbered, literature = words.sections
    blocks: list[Block] = [
        lines(", ".join(fill.person() for _ in range(fill.rng.randint(1, 3))), f"{fill.city()}"),
        heading(abstract),
        para(fill.sentences_in_order(words.sentences["abstract"], 3, 4, **values)),
        para(f"{keywords}: {keyword}; {b.split()[-1]}"),
    ]
    repeat = fill.by_size((1, 1), (1, 2), (2, 4))
    for name, key in zip(
        numbered, ("introduction", "method", "results", "discussion"), strict=True
    ):
        blocks.append(heading(name))
        for _ in range(repeat):
            blocks.append(para(fill.sentences_in_order(words.sentences[key], 2, 4, **values)))
    topic = _Topic(keyword, b, keyword, "", "")
    blocks += [
        heading(literature),
        lines(*_references(fill, fill.by_size((3, 5), (6, 10), (12, 20)), topic)),
    ]
    title = fill.fmt(words.title, a=a, b=b)
    return _doc(fill, title[0].upper() + title[1:], blocks)


# --- manual -----------------------------------------------------------------------------

_APPLIANCES = (
    ("coffee machine", ("Water tank", "Drip tray", "Measuring spoon", "Descaling tablets")),
    ("cordless drill", ("Battery pack 18 V", "Charger", "Carrying case", "Belt clip")),
    ("air purifier", ("HEPA filter", "Pre-filter", "Remote control", "Wall bracket")),
    (
        "robot vacuum cleaner",
        ("Charging dock", "Side brushes (2)", "Spare filter", "Cleaning tool"),
    ),
    ("wireless router", ("Power adapter", "Ethernet cable", "Stand", "Setup card")),
    (
        "smart thermostat",
        ("Wall plate", "Screws and anchors", "Wiring labels", "Batteries (2 x AA)"),
    ),
    ("label printer", ("Label cassette 12 mm", "USB cable", "AC adapter", "Cutter blade")),
    ("baby monitor", ("Parent unit", "Camera unit", "Two power adapters", "Wall mount")),
)
_BRANDS = _split("Aurelia|Kestrel|Nimbus|Orbit|Vega|Tundra|Lumo|Pico|Strata|Helix")
_SAFETY = (
    "Read all instructions before using the appliance and keep this guide for future reference.",
    "Do not immerse the unit, cable or plug in water or any other liquid.",
    "Keep the appliance and its cable out of reach of children under 8 years.",
    "Unplug the appliance before cleaning it and when it is not in use.",
    "Do not operate the device with a damaged cable or plug; have it replaced by an authorised "
    "service centre.",
    "Use only accessories recommended or sold by the manufacturer.",
    "Place the unit on a stable, level surface away from heat sources and direct sunlight.",
    "Leave at least 10 cm of free space around the unit for ventilation.",
    "Do not attempt to open the housing. There are no user-serviceable parts inside.",
    "Charge the battery only with the charger supplied.",
)
_SETUP = (
    "Remove all packaging materials and protective film.",
    "Connect the power cable to the socket on the back of the unit.",
    "Press and hold the power button for three seconds until the indicator lights up.",
    "Select your language with the arrow keys and confirm with OK.",
    "Download the companion app and follow the pairing instructions on screen.",
    "Fill the water tank up to the MAX mark and slide it back into place until it clicks.",
    "Charge the battery fully before first use (about {n} hours).",
    "Set the date and time in the settings menu.",
    "Mount the unit on the wall using the template printed on the box.",
)
_OPERATION = (
    "To change the mode, press the MODE button repeatedly until the setting you want is shown on "
    "the display.",
    "The indicator flashes green while the device is working and stays lit when the cycle is "
    "complete.",
    "To lock the controls, hold the + and - buttons together for two seconds. Repeat to unlock.",
    "The unit switches to standby automatically after {n} minutes without use.",
    "A short beep confirms each button press. You can switch the sound off in the settings.",
    "In eco mode, power consumption is reduced and the display dims after one minute.",
    "Use the timer to start the device at a set time: press TIMER, choose the hours with + and -, "
    "then press OK.",
    "The display shows the remaining time in minutes. When the cycle ends, the unit beeps three "
    "times.",
)
_CARE = (
    "Wipe the housing with a soft, damp cloth. Do not use abrasive cleaners or solvents.",
    "Descale the appliance every {n} weeks, or whenever the descale indicator lights up.",
    "Clean the filter once a month under running water and let it dry completely before "
    "refitting it.",
    "Replace the filter every {n} months to keep performance at its best.",
    "Empty and rinse the container after each use.",
    "Store the device in a dry place when you are not going to use it for a long time.",
)
_TROUBLE = (
    (
        "The device does not switch on",
        "No power supply",
        "Check that the plug is inserted and that the socket works.",
    ),
    (
        "The display shows E{n}",
        "The unit has overheated",
        "Switch off and let the unit cool down for 30 minutes.",
    ),
    (
        "Unusual noise during operation",
        "A foreign object is caught in the fan",
        "Switch off, unplug and remove the object.",
    ),
    (
        "The app cannot find the device",
        "Bluetooth is switched off",
        "Switch on Bluetooth on your phone and restart pairing.",
    ),
    (
        "Water leaks from the base",
        "The tank is not seated correctly",
        "Remove the tank and refit it firmly.",
    ),
    (
        "The battery runs down quickly",
        "The battery is worn",
        "Contact customer service for a replacement battery.",
    ),
    (
        "The indicator flashes red",
        "The filter needs replacing",
        "Fit a new filter and reset the filter counter.",
    ),
)


def manual_product(fill: Fill) -> Doc:
    """A product user manual: safety, contents, setup, use, care, troubleshooting, warranty."""
    kind, contents = fill.pick(_APPLIANCES)
    brand = fill.pick(_BRANDS)
    model = f"{brand[0]}{fill.rng.choice('XSRKM')}-{fill.rng.randint(100, 990)}"
    repeat = fill.by_size((1, 1), (1, 2), (2, 4))
    blocks: list[Block] = [
        para(
            f"Thank you for choosing the {brand} {model}. Please read this manual carefully "
            f"before using your {kind}."
        ),
        heading("1. Safety instructions"),
        bullets([fill.fmt(s) for s in fill.some(_SAFETY, 3, len(_SAFETY))]),
        heading("2. What is in the box"),
        bullets([f"{brand} {kind}", *fill.some(contents, 2, 4), "This user manual"]),
        heading("3. Getting started"),
        steps([fill.fmt(s) for s in fill.some_in_order(_SETUP, 3, 6)]),
        heading("4. Using your " + kind),
    ]
    for _ in range(repeat):
        blocks.append(para(fill.sentences(_OPERATION, 2, 4)))
    if fill.size != "short":
        blocks += [
            heading("5. Cleaning and maintenance"),
            bullets([fill.fmt(s) for s in fill.some(_CARE, 2, 5)]),
            heading("6. Troubleshooting"),
            table(
                [
                    ["Problem", "Possible cause", "Solution"],
                    *([fill.fmt(c) for c in row] for row in fill.some(_TROUBLE, 3, 7)),
                ]
            ),
        ]
    if fill.size == "long":
        blocks += [
            heading("7. Technical data"),
            table(
                [
                    [
                        "Rated voltage",
                        fill.pick(("220-240 V ~ 50 Hz", "100-240 V ~ 50/60 Hz", "18 V DC")),
                    ],
                    ["Power", f"{fill.rng.randint(5, 2200)} W"],
                    ["Weight", f"{fill.decimal(fill.rng.uniform(0.3, 12), 1)} kg"],
                ]
            ),
            heading("8. Disposal"),
            para(
                "At the end of its life, do not dispose of this product with household waste. "
                "Take it to a collection point for electrical and electronic equipment. Remove "
                "batteries first and dispose of them separately."
            ),
        ]
    blocks += [
        heading("Warranty"),
        para(
            f"This product is covered by a {fill.rng.choice((1, 2, 3, 5))}-year warranty from the "
            "date of purchase. The warranty does not cover damage caused by misuse, accidents or "
            "unauthorised repairs. To make a claim, contact your retailer with proof of purchase."
        ),
    ]
    title = fill.pick(
        (
            f"{brand} {model} User Manual",
            f"{brand} {kind.title()} {model} - Instructions for Use",
            f"User Guide: {brand} {model}",
        )
    )
    return _doc(fill, title, blocks, organisation=f"{brand} {fill.pick(_COMPANY_FORMS['en'])}")


_SOFTWARE = _split("Ledgerline|Tessera Server|Quillbase|Harbor Sync|Atlas Scheduler|Beacon Monitor")
_SOFTWARE_OPTIONS = (
    ("listen_port", "8080", "TCP port the web interface listens on"),
    ("data_dir", "/var/lib/{pkg}", "Directory for the database and uploaded files"),
    ("log_level", "info", "One of debug, info, warning, error"),
    ("max_workers", "4", "Number of background worker processes"),
    ("backup_retention_days", "14", "How long nightly backups are kept"),
    ("smtp_host", "(none)", "Mail server used for notifications"),
    ("tls_certificate", "(none)", "Path to the certificate file; enables HTTPS when set"),
    ("session_timeout", "30m", "Idle time after which users must log in again"),
)
_SOFTWARE_TEXT: dict[str, tuple[str, ...]] = {
    "System requirements": (
        "64-bit Linux (kernel 5.10 or later) or Windows Server 2019 or later",
        "4 CPU cores and 8 GB of RAM (16 GB recommended for more than 50 users)",
        "20 GB of free disk space, plus space for backups",
        "PostgreSQL 13 or later, on the same host or reachable over the network",
        "A modern web browser for the administration console",
    ),
    "Configuration": (
        "All settings are read from /etc/{pkg}/{pkg}.conf at start-up.",
        "After changing the configuration file, restart the service for the changes to take "
        "effect.",
        "Settings can also be given as environment variables prefixed with {PKG}_.",
        "Keep a copy of the file before editing it: an invalid value stops the service from "
        "starting.",
    ),
    "Backup and restore": (
        "A backup of the database and the data directory is taken every night at 02:00.",
        "To create a backup manually, run the backup command as the service user.",
        "To restore, stop the service, run the restore command with the backup file and start "
        "the service again.",
        "Test your backups regularly by restoring them on a separate machine.",
    ),
    "Upgrading": (
        "Before upgrading, read the release notes and take a full backup.",
        "Stop the service, install the new package and run the database migration.",
        "Upgrades skip no versions: to go from 2.x to 4.x, install 3.x first.",
        "The migration may take several minutes on large databases; do not interrupt it.",
    ),
    "Troubleshooting": (
        "If the service fails to start, check the log file at /var/log/{pkg}/{pkg}.log.",
        "The error 'address already in use' means another process listens on the configured port.",
        "If users cannot log in after an upgrade, clear the browser cache and try again.",
        "Run the check command to verify the configuration and the database connection.",
    ),
}


def manual_software(fill: Fill) -> Doc:
    """An installation and administration guide for a server application."""
    name = fill.pick(_SOFTWARE)
    pkg = _ascii_slug(name)
    version = f"{fill.rng.randint(2, 9)}.{fill.rng.randint(0, 12)}"
    values = {"pkg": pkg, "PKG": pkg.upper().replace("-", "_")}
    blocks: list[Block] = [
        para(
            f"This guide explains how to install, configure and maintain {name} {version}. It is "
            "intended for system administrators."
        ),
        heading("1. System requirements"),
        bullets(fill.some(_SOFTWARE_TEXT["System requirements"], 3, 5)),
        heading("2. Installation"),
        steps(
            [
                "Download the package for your platform from the customer portal.",
                "Install it with the package manager:",
                "Enable and start the service:",
                "Open the console in a browser and create the first administrator account.",
            ]
        ),
        lines(
            f"sudo apt install ./{pkg}_{version}.0_amd64.deb",
            f"sudo systemctl enable --now {pkg}",
            f"{pkg} --version",
        ),
    ]
    sections = ["Configuration", "Backup and restore", "Upgrading", "Troubleshooting"]
    sections = sections[: fill.by_size((1, 1), (2, 3), (4, 4))]
    for number, section in enumerate(sections, start=3):
        blocks.append(heading(f"{number}. {section}"))
        blocks.append(para(fill.sentences(_SOFTWARE_TEXT[section], 2, 4, **values)))
        if section == "Configuration":
            blocks.append(
                table(
                    [
                        ["Option", "Default", "Description"],
                        *(
                            [fill.fmt(c, **values) for c in row]
                            for row in fill.some(_SOFTWARE_OPTIONS, 4, 8)
                        ),
                    ]
                )
            )
        elif section == "Backup and restore":
            blocks.append(
                lines(
                    f"sudo -u {pkg} {pkg} backup --output /srv/backups/{pkg}-$(date +%F).tar.gz",
                    f"sudo -u {pkg} {pkg} restore /srv/backups/{pkg}-2024-01-31.tar.gz",
                )
            )
        elif section == "Upgrading":
            blocks.append(
                lines(
                    f"sudo systemctl stop {pkg}",
                    f"sudo apt install ./{pkg}_{version}.1_amd64.deb",
                    f"sudo -u {pkg} {pkg} migrate",
                    f"sudo systemctl start {pkg}",
                )
            )
    title = fill.pick(
        (
            f"{name} {version} Installation and Administration Guide",
            f"{name} Administrator's Guide (version {version})",
            f"Installing {name} {version}",
        )
    )
    return _doc(fill, title, blocks)


_PROCEDURES: dict[str, tuple[str, ...]] = {
    "Receiving and inspecting incoming goods": (
        "Check the delivery note against the purchase order in the stock system.",
        "Count the packages and inspect them for visible damage before signing for them.",
        "Note any damage or shortage on the carrier's delivery note and take photographs.",
        "Move the goods to the quarantine area and label them with the date of receipt.",
        "Inspect a sample of {n} items according to the inspection plan.",
        "Record the result in the goods-in log and release the goods to stock.",
        "Report rejected goods to the purchasing team on the same day.",
    ),
    "Cleaning the espresso machine at closing": (
        "Switch the machine to cleaning mode and remove the portafilters.",
        "Insert the blind filter with one measure of cleaning powder.",
        "Run five cycles of ten seconds each, then rinse with clean water.",
        "Soak the portafilters and baskets in hot water with cleaning powder for 20 minutes.",
        "Purge and wipe the steam wands, and soak their tips if milk has dried on.",
        "Empty and rinse the drip tray and the knock box.",
        "Record the cleaning on the daily checklist.",
    ),
    "Handling customer returns": (
        "Ask the customer for the order number and the reason for the return.",
        "Check that the return is within the {n}-day return period.",
        "Inspect the item and its packaging, and note its condition on the returns form.",
        "Issue a refund to the original payment method or offer an exchange.",
        "Put resaleable items back in stock and send faulty items to the supplier returns cage.",
        "Enter the return in the till system before the end of the shift.",
    ),
    "Setting up IT accounts for a new employee": (
        "Confirm the start date, job title and line manager with Human Resources.",
        "Create the user account in the directory and add it to the groups for the role.",
        "Assign a laptop from stock and record its asset number against the user.",
        "Install the standard software image and the role-specific applications.",
        "Set a temporary password and require a change at first log-in.",
        "Enrol the user's phone in multi-factor authentication on the first day.",
        "Close the ticket once the user has confirmed that everything works.",
    ),
}


def manual_procedure(fill: Fill) -> Doc:
    """A standard operating procedure: purpose, scope, responsibilities, steps, records."""
    name = fill.pick(sorted(_PROCEDURES))
    organisation = fill.company()
    code = f"SOP-{fill.rng.choice(('OPS', 'QA', 'IT', 'WH', 'FOH'))}-{fill.rng.randint(1, 140):03d}"
    day = fill.day()
    blocks: list[Block] = [
        table(
            [
                ["Document", code],
                ["Version", f"{fill.rng.randint(1, 6)}.{fill.rng.randint(0, 9)}"],
                ["Effective from", fill.date(day)],
                ["Owner", fill.person()],
            ]
        ),
        heading("1. Purpose"),
        para(
            f"This procedure describes how staff at {organisation} carry out the task of "
            f"{name[0].lower() + name[1:]}, so that it is done safely and the same way every time."
        ),
        heading("2. Scope"),
        para(
            fill.pick(
                (
                    "It applies to all permanent and temporary staff at every site.",
                    "It applies to the team on duty and to anyone covering for them.",
                    f"It applies at the {fill.city()} site only.",
                )
            )
        ),
        heading("3. Responsibilities"),
        bullets(
            fill.some(
                (
                    "The shift supervisor makes sure the procedure is followed.",
                    "Each team member follows the steps below and records the outcome.",
                    "The quality manager reviews this procedure every year.",
                    "New starters are trained on this procedure in their first week.",
                ),
                2,
                4,
            )
        ),
        heading("4. Procedure"),
        steps([fill.fmt(s) for s in _PROCEDURES[name]]),
    ]
    if fill.size != "short":
        blocks += [
            heading("5. Records"),
            para("Completed checklists are kept for two years and are available for audit."),
            heading("6. Revision history"),
            table(
                [
                    ["Version", "Date", "Change"],
                    ["1.0", fill.date(fill.day(2012, 2016)), "First issue"],
                    ["1.1", fill.date(fill.day(2017, 2020)), "Steps updated after internal audit"],
                    ["2.0", fill.date(day), "Reformatted; responsibilities clarified"],
                ]
            ),
        ]
    return _doc(
        fill, f"Standard Operating Procedure: {name}", blocks, organisation=organisation, day=day
    )


def manual_quickstart(fill: Fill) -> Doc:
    """A one-page quick start guide."""
    kind, _ = fill.pick(_APPLIANCES)
    brand = fill.pick(_BRANDS)
    blocks: list[Block] = [
        steps(
            [fill.fmt(s) for s in fill.some_in_order(_SETUP, 3, 5)]
            + [fill.fmt(fill.pick(_OPERATION))]
        ),
        para(
            fill.pick(
                (
                    "For the full instructions and safety information, see the user manual on the "
                    "enclosed card or on our website.",
                    "Keep this card with the product.",
                    "Need help? Our support line is open Monday to Friday, 9 am to 5 pm.",
                )
            )
        ),
    ]
    return _doc(
        fill,
        fill.pick(
            (
                f"{brand} {kind} - Quick Start Guide",
                "Quick Start",
                f"Getting started with your {brand} {kind}",
            )
        ),
        blocks,
    )


@dataclass(frozen=True)
class _ManualWords:
    title: str
    sections: tuple[str, ...]  # safety, setup, care, troubleshooting, warranty
    products: tuple[str, ...]
    safety: tuple[str, ...]
    setup: tuple[str, ...]
    care: tuple[str, ...]
    trouble: tuple[tuple[str, str], ...]
    columns: tuple[str, str]
    warranty: str


_MANUAL_FOREIGN: dict[str, _ManualWords] = {
    "de": _ManualWords(
        title="Bedienungsanleitung {product} {model}",
        sections=(
            "Sicherheitshinweise",
            "Inbetriebnahme",
            "Reinigung und Pflege",
            "Fehlerbehebung",
            "Garantie",
        ),
        products=_split("Kaffeevollautomat|Luftreiniger|Akku-Bohrschrauber|Raumthermostat"),
        safety=(
            "Lesen Sie diese Anleitung vor dem ersten Gebrauch sorgfältig durch und bewahren Sie "
            "sie auf.",
            "Tauchen Sie das Gerät niemals in Wasser oder andere Flüssigkeiten.",
            "Ziehen Sie vor der Reinigung immer den Netzstecker.",
            "Halten Sie Kinder vom Gerät und vom Netzkabel fern.",
            "Verwenden Sie das Gerät nicht, wenn das Netzkabel beschädigt ist.",
        ),
        setup=(
            "Entfernen Sie sämtliches Verpackungsmaterial.",
            "Stellen Sie das Gerät auf eine stabile, ebene Fläche.",
            "Schließen Sie das Netzkabel an eine geeignete Steckdose an.",
            "Drücken Sie die Ein/Aus-Taste, bis die Kontrollleuchte aufleuchtet.",
            "Wählen Sie mit der Taste MODE das gewünschte Programm.",
            "Bestätigen Sie die Auswahl mit OK.",
        ),
        care=(
            "Reinigen Sie das Gehäuse mit einem weichen, feuchten Tuch.",
            "Verwenden Sie keine scharfen oder scheuernden Reinigungsmittel.",
            "Entkalken Sie das Gerät regelmäßig, spätestens wenn die Anzeige leuchtet.",
        ),
        trouble=(
            ("Das Gerät lässt sich nicht einschalten", "Prüfen Sie Netzstecker und Steckdose."),
            ("Die Anzeige zeigt E{n}", "Schalten Sie das Gerät aus und lassen Sie es abkühlen."),
            ("Ungewöhnliche Geräusche", "Gerät ausschalten und Fremdkörper entfernen."),
        ),
        columns=("Störung", "Abhilfe"),
        warranty="Für dieses Gerät gewähren wir eine Garantie von {n} Jahren ab Kaufdatum. "
        "Bewahren Sie den Kaufbeleg auf.",
    ),
    "fr": _ManualWords(
        title="Mode d'emploi {product} {model}",
        sections=(
            "Consignes de sécurité",
            "Mise en service",
            "Nettoyage et entretien",
            "Dépannage",
            "Garantie",
        ),
        products=_split(
            "machine à café|purificateur d'air|perceuse-visseuse sans fil|thermostat d'ambiance"
        ),
        safety=(
            "Lisez attentivement ce mode d'emploi avant la première utilisation et conservez-le.",
            "Ne plongez jamais l'appareil dans l'eau ou dans un autre liquide.",
            "Débranchez toujours l'appareil avant de le nettoyer.",
            "Tenez l'appareil et son cordon hors de portée des enfants.",
            "N'utilisez pas l'appareil si le cordon d'alimentation est endommagé.",
        ),
        setup=(
            "Retirez tous les éléments d'emballage.",
            "Placez l'appareil sur une surface stable et plane.",
            "Branchez le cordon d'alimentation sur une prise adaptée.",
            "Appuyez sur la touche marche/arrêt jusqu'à ce que le voyant s'allume.",
            "Sélectionnez le programme souhaité à l'aide de la touche MODE.",
            "Validez votre choix avec la touche OK.",
        ),
        care=(
            "Nettoyez le boîtier avec un chiffon doux et humide.",
            "N'utilisez pas de produits abrasifs ni de solvants.",
            "Détartrez l'appareil régulièrement, au plus tard lorsque le voyant s'allume.",
        ),
        trouble=(
            ("L'appareil ne s'allume pas", "Vérifiez la prise et le branchement."),
            ("L'écran affiche E{n}", "Éteignez l'appareil et laissez-le refroidir."),
            ("Bruit inhabituel", "Éteignez l'appareil et retirez le corps étranger."),
        ),
        columns=("Problème", "Solution"),
        warranty="Cet appareil est garanti {n} ans à compter de la date d'achat. Conservez "
        "votre ticket de caisse.",
    ),
    "es": _ManualWords(
        title="Manual de instrucciones {product} {model}",
        sections=(
            "Instrucciones de seguridad",
            "Puesta en marcha",
            "Limpieza y mantenimiento",
            "Solución de problemas",
            "Garantía",
        ),
        products=_split(
            "cafetera automática|purificador de aire|taladro atornillador inalámbrico|termostato "
            "ambiente"
        ),
        safety=(
            "Lea atentamente este manual antes del primer uso y consérvelo para futuras consultas.",
            "No sumerja nunca el aparato en agua ni en otros líquidos.",
            "Desenchufe siempre el aparato antes de limpiarlo.",
            "Mantenga el aparato y el cable fuera del alcance de los niños.",
            "No utilice el aparato si el cable de alimentación está dañado.",
        ),
        setup=(
            "Retire todo el material de embalaje.",
            "Coloque el aparato sobre una superficie estable y plana.",
            "Conecte el cable de alimentación a una toma de corriente adecuada.",
            "Pulse el botón de encendido hasta que se ilumine el piloto.",
            "Seleccione el programa deseado con el botón MODE.",
            "Confirme la selección con el botón OK.",
        ),
        care=(
            "Limpie la carcasa con un paño suave y húmedo.",
            "No utilice productos abrasivos ni disolventes.",
            "Descalcifique el aparato con regularidad, como muy tarde cuando se encienda el "
            "indicador.",
        ),
        trouble=(
            ("El aparato no se enciende", "Compruebe el enchufe y la toma de corriente."),
            ("La pantalla muestra E{n}", "Apague el aparato y déjelo enfriar."),
            ("Ruido inusual", "Apague el aparato y retire el objeto extraño."),
        ),
        columns=("Problema", "Solución"),
        warranty="Este aparato tiene una garantía de {n} años a partir de la fecha de compra. "
        "Conserve el justificante de compra.",
    ),
}


def manual_foreign(fill: Fill) -> Doc:
    """A user manual in German, French or Spanish."""
    words = _MANUAL_FOREIGN[fill.language]
    product = fill.pick(words.products)
    model = f"{fill.pick(_BRANDS)} {fill.rng.randint(100, 990)}"
    safety, setup, care, trouble, warranty = words.sections
    blocks: list[Block] = [
        heading(f"1. {safety}"),
        bullets(fill.some(words.safety, 3, 5)),
        heading(f"2. {setup}"),
        steps(words.setup[:3] + tuple(fill.some_in_order(words.setup[3:], 1, 3))),
    ]
    if fill.size != "short":
        blocks += [
            heading(f"3. {care}"),
            bullets(fill.some(words.care, 2, 3)),
            heading(f"4. {trouble}"),
            table([list(words.columns), *([fill.fmt(c) for c in row] for row in words.trouble)]),
        ]
    blocks += [heading(warranty), para(fill.fmt(words.warranty, n=str(fill.rng.choice((2, 3, 5)))))]
    title = fill.fmt(words.title, product=product, model=model)
    return _doc(fill, title[0].upper() + title[1:], blocks)


# --- legal_text -------------------------------------------------------------------------

_ACTS = (
    ("Public Libraries (Funding)", "the funding and inspection of public libraries"),
    ("Waste Collection and Recycling", "the collection, sorting and recycling of household waste"),
    ("Tenancy Deposits", "the protection of deposits paid under residential tenancies"),
    ("Unmanned Aircraft", "the registration and operation of unmanned aircraft"),
    (
        "Consumer Credit (Disclosure)",
        "information to be given to borrowers under credit agreements",
    ),
    ("Water Abstraction", "licences to abstract water from rivers and groundwater"),
    ("Street Trading", "the licensing of trading in streets and other public places"),
)
_DEFINITIONS = (
    '"authority" means the body designated under section {s_authority};',
    '"licence" means a licence granted under Part 2;',
    '"the Minister" means the Minister responsible for {subject};',
    '"prescribed" means prescribed by regulations made under this Act;',
    '"relevant period" means the period of 28 days beginning with the day on which notice is '
    "given;",
    '"operator" means a person who carries on a regulated activity;',
    '"premises" includes any land, vehicle, vessel or moveable structure;',
    '"regulated activity" means an activity specified in Schedule 1.',
)
_ACT_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Duty to hold a licence",
        (
            "A person must not carry on a regulated activity except under and in accordance with a "
            "licence.",
            "A person who contravenes subsection (1) commits an offence.",
            "It is a defence for a person charged with an offence under this section to show that "
            "they took all reasonable steps to avoid committing it.",
        ),
    ),
    (
        "Application for a licence",
        (
            "An application for a licence must be made to the authority in the prescribed form and "
            "be accompanied by the prescribed fee.",
            "The authority may grant the licence subject to such conditions as it considers "
            "appropriate.",
            "The authority must give the applicant written reasons for any refusal.",
            "A licence remains in force for {years} years unless revoked sooner.",
        ),
    ),
    (
        "Variation and revocation",
        (
            "The authority may vary or revoke a licence if it is satisfied that (a) a condition of "
            "the licence has been breached, (b) the holder has provided false or misleading "
            "information, or (c) the holder is no longer a fit and proper person.",
            "Before varying or revoking a licence, the authority must give the holder notice and "
            "consider any representations made within the relevant period.",
        ),
    ),
    (
        "Powers of entry",
        (
            "An authorised officer may at any reasonable time enter premises to which this Act "
            "applies for the purpose of ascertaining whether an offence has been committed.",
            "An authorised officer must, if required, produce evidence of their authority.",
            "Nothing in this section authorises entry to a private dwelling without a warrant "
            "issued by a justice of the peace.",
        ),
    ),
    (
        "Offences and penalties",
        (
            "A person guilty of an offence under section {s_offence} is liable on summary "
            "conviction to a fine not exceeding level {level} on the standard scale.",
            "Where an offence committed by a body corporate is proved to have been committed with "
            "the consent or connivance of an officer of the body, that officer as well as the body "
            "is guilty of the offence.",
        ),
    ),
    (
        "Appeals",
        (
            "A person aggrieved by a decision of the authority under this Part may appeal to the "
            "tribunal within the relevant period.",
            "On an appeal the tribunal may confirm, vary or reverse the decision.",
            "The decision appealed against remains in effect until the appeal is determined.",
        ),
    ),
    (
        "Guidance",
        (
            "The Minister may issue guidance about the exercise of functions under this Act.",
            "The authority must have regard to any guidance issued under this section.",
        ),
    ),
    (
        "Annual report",
        (
            "The authority must, as soon as practicable after the end of each financial year, "
            "publish a report on the exercise of its functions under this Act during that year.",
            "A copy of each report must be laid before the legislature.",
        ),
    ),
    (
        "Regulations",
        (
            "Regulations under this Act are to be made by statutory instrument.",
            "Regulations may make different provision for different purposes or areas, and may "
            "contain transitional provision.",
        ),
    ),
)


def legal_statute(fill: Fill) -> Doc:
    """An Act: short title, interpretation, parts and numbered sections with subsections."""
    name, subject = fill.pick(_ACTS)
    year = fill.rng.randint(1995, 2024)
    kept = list(_ACT_SECTIONS[:1]) + fill.some(
        _ACT_SECTIONS[1:], *{"short": (1, 2), "medium": (3, 5), "long": (7, 8)}[fill.size]
    )
    kept.sort(key=_ACT_SECTIONS.index)
    values = {
        "subject": subject,
        "s_authority": str(len(kept) + 3),
        "s_offence": "3",
        "years": str(fill.rng.choice((3, 5, 10))),
        "level": str(fill.rng.randint(3, 5)),
    }
    blocks: list[Block] = [
        para(f"An Act to make provision about {subject}; and for connected purposes."),
        para(f"[{fill.date(fill.day(year, year))}]"),
        para("BE IT ENACTED by the Legislature as follows:"),
        heading("PART 1 - PRELIMINARY"),
        heading("1 Short title and commencement"),
        para(
            f"(1) This Act may be cited as the {name} Act {year}. (2) This Act comes into force "
            "on such day as the Minister may by regulations appoint."
        ),
        heading("2 Interpretation"),
        para(
            "(1) In this Act - "
            + " ".join(fill.fmt(d, **values) for d in fill.some(_DEFINITIONS, 3, len(_DEFINITIONS)))
        ),
        heading("PART 2 - REGULATION"),
    ]
    for number, (section, subsections) in enumerate(kept, start=3):
        blocks.append(heading(f"{number} {section}"))
        chosen = subsections[:1] + tuple(fill.some(subsections[1:], 1, len(subsections)))
        blocks.append(
            para(
                " ".join(
                    f"({i}) {fill.fmt(text, **values)}" for i, text in enumerate(chosen, start=1)
                )
            )
        )
    if fill.size == "long":
        blocks += [
            heading("SCHEDULE 1 - REGULATED ACTIVITIES"),
            steps(
                [
                    f"{activity} for reward."
                    for activity in fill.some(
                        (
                            "Collecting",
                            "Transporting",
                            "Storing",
                            "Selling",
                            "Operating equipment",
                            "Advertising",
                        ),
                        3,
                        5,
                    )
                ]
            ),
        ]
    return _doc(
        fill, f"{name} Act {year}", blocks, organisation="Legislature", day=fill.day(year, year)
    )


_COURTS = _split(
    "HIGH COURT OF JUSTICE|COURT OF APPEAL (CIVIL DIVISION)|COUNTY COURT AT {city}"
    "|SUPREME COURT OF THE STATE|DISTRICT COURT OF {city}|EMPLOYMENT APPEAL TRIBUNAL"
)
_MATTERS = _split(
    "damages for breach of contract|unfair dismissal|negligence|possession of residential "
    "premises|judicial review of a planning decision|recovery of unpaid invoices"
)
_LAW_REPORTS = _split("EWCA Civ|UKSC|EWHC|QB|Ch")
_JUDGES = _split(
    "The Honourable Mr Justice|The Honourable Mrs Justice|His Honour Judge|Her Honour Judge"
)
_JUDGMENT_PARAGRAPHS: dict[str, tuple[str, ...]] = {
    "introduction": (
        "This is an appeal against the decision of the court below dated {date}, by which the "
        "claim for {matter} was {outcome_below}.",
        "The appellant is represented by counsel; the respondent appeared in person.",
        "Permission to appeal was granted on two grounds, which I take in turn.",
    ),
    "facts": (
        "The appellant entered into an agreement with the respondent in {year} for the supply "
        "of services.",
        "It is common ground that the work was completed late and that payment was withheld.",
        "The respondent contends that the notice of termination was served out of time.",
        "The judge heard evidence from four witnesses over two days and made careful findings "
        "of fact.",
        "There is no challenge to those findings on this appeal.",
    ),
    "issues": (
        "The issues for determination are: (i) whether the contract was validly terminated; "
        "(ii) if not, what damages are recoverable; and (iii) whether the claim is time-barred.",
        "The first ground concerns the construction of clause {n} of the agreement.",
    ),
    "law": (
        "The relevant statutory provision is section {n} of the {act} Act, which provides that "
        "an action may not be brought after six years from the date on which the cause of "
        "action accrued.",
        "In {case1}, the court held that the test is an objective one: what a reasonable person "
        "in the position of the parties would have understood.",
        "I was also referred to {case2}, but that case turned on its own facts and does not "
        "assist.",
        "The burden of proof lies on the party who asserts the breach.",
    ),
    "analysis": (
        "In my judgment the judge was entitled to reach the conclusion she did on the evidence "
        "before her.",
        "I am not persuaded that the notice was defective.",
        "Counsel for the appellant submitted that the judge failed to give adequate reasons. I "
        "reject that submission: the reasons are clear and sufficient.",
        "Even if the notice had been defective, it would have made no difference to the outcome.",
        "The authorities do not support the wider proposition for which the appellant contends.",
    ),
}


def legal_judgment(fill: Fill) -> Doc:
    """A court judgment with numbered paragraphs."""
    court = fill.fmt(fill.pick(_COURTS))
    claimant, defendant = (
        fill.pick((fill.company(), fill.person())),
        fill.pick((fill.company(), fill.person())),
    )
    judge = fill.last_name()
    decided = fill.day()
    allowed = fill.rng.random() < 0.4

    def case() -> str:
        parties = f"{fill.last_name()} v {fill.last_name()}"
        report = f"{fill.pick(_LAW_REPORTS)} {fill.rng.randint(1, 900)}"
        return f"{parties} [{fill.rng.randint(1970, 2020)}] {report}"

    values = {
        "matter": fill.pick(_MATTERS),
        "outcome_below": "dismissed" if allowed else "allowed",
        "act": fill.pick(_ACTS)[0],
        "case1": case(),
        "case2": case(),
    }
    # The judgment opens by saying what the appeal is against.
    paragraphs = [fill.fmt(_JUDGMENT_PARAGRAPHS["introduction"][0], **values)]
    for key, pool in _JUDGMENT_PARAGRAPHS.items():
        if key == "introduction":
            pool = pool[1:]
        for _ in range(
            fill.by_size((1, 1), (1, 2), (2, 4)) if key in ("facts", "analysis", "law") else 1
        ):
            paragraphs.append(fill.sentences_in_order(pool, 1, 3, **values))
    paragraphs.append(
        (
            "For these reasons I would allow the appeal and remit the matter for a rehearing."
            if allowed
            else "For these reasons the appeal is dismissed."
        )
        + " "
        + fill.pick(
            (
                "The respondent shall pay the appellant's costs, to be assessed if not agreed.",
                "There will be no order as to costs.",
                "I invite the parties to agree the form of the order.",
            )
        )
    )
    blocks: list[Block] = [
        lines(
            f"IN THE {court}",
            "Case No: "
            f"{fill.rng.choice('ABCHKQ')}{fill.rng.randint(10, 99)}/{fill.rng.randint(100, 9999)}",
        ),
        lines(
            "Between:",
            f"{claimant}",
            "Appellant" if fill.rng.random() < 0.5 else "Claimant",
            "- and -",
            f"{defendant}",
            "Respondent",
        ),
        lines(
            f"Before: {fill.pick(_JUDGES)} {judge}",
            f"Hearing date: {fill.date(decided - dt.timedelta(days=fill.rng.randint(14, 120)))}",
            f"Judgment handed down: {fill.date(decided)}",
        ),
        heading("JUDGMENT"),
        *(para(f"{number}. {text}") for number, text in enumerate(paragraphs, start=1)),
    ]
    return _doc(
        fill, f"{claimant} v {defendant}", blocks, author=judge, organisation=court, day=decided
    )


_ORDINANCE_TOPICS = _split(
    "the use of public parks|noise from construction sites|street trading|dogs in public "
    "places|short-term rental of dwellings|the use of electric scooters on footways"
)
_ORDINANCE_ARTICLES: tuple[tuple[str, str], ...] = (
    (
        "Purpose and scope",
        "This Ordinance regulates {topic} within the boundaries of the City of "
        "{city}. It does not apply to activities authorised under national legislation.",
    ),
    (
        "Definitions",
        'For the purposes of this Ordinance, "public place" means any road, square, '
        'park or other place to which the public has access, and "the Department" means the '
        "City's Department of Public Order.",
    ),
    (
        "General obligations",
        "Every person shall behave in a public place in such a way that "
        "others are not endangered, harmed or unreasonably disturbed. Damage to public property "
        "shall be reported without delay.",
    ),
    (
        "Permits",
        "Activities listed in the annex require a permit from the Department. "
        "Applications shall be made at least four weeks in advance. A permit may be granted "
        "subject to conditions and for a limited period.",
    ),
    (
        "Prohibited activities",
        "It is prohibited (a) to light open fires except in designated "
        "areas; (b) to camp overnight; (c) to leave waste other than in the containers provided; "
        "(d) to obstruct paths and entrances.",
    ),
    (
        "Quiet hours",
        "Between 10 pm and 7 am, and on Sundays and public holidays, activities "
        "causing noise audible in neighbouring dwellings are prohibited.",
    ),
    (
        "Supervision",
        "Officers of the Department may inspect premises and request proof of "
        "identity and of any permit required under this Ordinance.",
    ),
    (
        "Administrative fines",
        "A breach of Articles 4 to 6 may be punished by an administrative "
        "fine of up to {fine}. Repeated breaches may lead to the withdrawal of a permit.",
    ),
    (
        "Entry into force",
        "This Ordinance enters into force on the day following its publication "
        "in the Official Gazette of the City. Ordinance No. {old} is repealed.",
    ),
)


def legal_ordinance(fill: Fill) -> Doc:
    """A municipal ordinance or regulation in numbered articles."""
    topic = fill.pick(_ORDINANCE_TOPICS)
    city = fill.city()
    number = f"{fill.rng.randint(1, 60)}/{fill.rng.randint(2000, 2024)}"
    values = {
        "topic": topic,
        "city": city,
        "fine": fill.money(fill.rng.choice((250, 500, 1000, 2500, 5000))),
        "old": f"{fill.rng.randint(1, 60)}/{fill.rng.randint(1980, 1999)}",
    }
    count = fill.by_size((3, 4), (5, 7), (9, 9))
    kept = (
        list(_ORDINANCE_ARTICLES[:1])
        + fill.some(_ORDINANCE_ARTICLES[1:-1], count - 2, count - 2)
        + [_ORDINANCE_ARTICLES[-1]]
    )
    kept.sort(key=_ORDINANCE_ARTICLES.index)
    blocks: list[Block] = [
        para(
            f"The City Council of {city}, having regard to the Local Government Act and after "
            "consulting the public, has adopted the following Ordinance at its meeting of "
            f"{fill.date(fill.day())}:"
        )
    ]
    for index, (name, text) in enumerate(kept, start=1):
        blocks += [heading(f"Article {index} - {name}"), para(fill.fmt(text, **values))]
    blocks.append(lines(f"{city}, {fill.date(fill.day())}", f"{fill.person()}, Mayor"))
    return _doc(
        fill,
        f"Ordinance No. {number} of the City of {city} on {topic}",
        blocks,
        organisation=f"City of {city}",
    )


@dataclass(frozen=True)
class _LegalWords:
    title: str
    topics: tuple[str, ...]
    preamble: str
    articles: tuple[tuple[str, str], ...]
    signature: str


_LEGAL_FOREIGN: dict[str, _LegalWords] = {
    "de": _LegalWords(
        title="Verordnung der Stadt {city} über {topic}",
        topics=_split(
            "die Ausübung von Straßenmusik|die Vermietung von Ferienwohnungen|das Halten von "
            "Hunden|den Betrieb von Baustellen"
        ),
        preamble="Aufgrund von § 1 des Landesgesetzes über die öffentliche Sicherheit und "
        "Ordnung hat der Rat der Stadt {city} in seiner Sitzung vom {date} folgende Verordnung "
        "beschlossen:",
        articles=(
            (
                "§ 1 Geltungsbereich",
                "(1) Diese Verordnung gilt für {topic} im Gebiet der Stadt "
                "{city}. (2) Sie gilt nicht für Veranstaltungen, die nach anderen "
                "Rechtsvorschriften "
                "genehmigt sind.",
            ),
            (
                "§ 2 Begriffsbestimmungen",
                "Im Sinne dieser Verordnung ist 1. Betreiber, wer eine "
                "Tätigkeit nach § 3 ausübt; 2. zuständige Behörde das Ordnungsamt der Stadt "
                "{city}.",
            ),
            (
                "§ 3 Genehmigungspflicht",
                "(1) Wer eine Tätigkeit nach dieser Verordnung ausüben "
                "will, bedarf der Genehmigung der zuständigen Behörde. (2) Der Antrag ist "
                "schriftlich "
                "mindestens vier Wochen vor Beginn der Tätigkeit zu stellen. (3) Die Genehmigung "
                "kann mit Auflagen versehen und befristet werden.",
            ),
            (
                "§ 4 Pflichten der Betreiber",
                "Der Betreiber hat sicherzustellen, dass Anwohner "
                "nicht unzumutbar beeinträchtigt werden. Die Nachtruhe von 22 Uhr bis 6 Uhr ist "
                "einzuhalten.",
            ),
            (
                "§ 5 Überwachung",
                "Die zuständige Behörde überwacht die Einhaltung dieser "
                "Verordnung. Ihre Beauftragten sind berechtigt, Grundstücke und Räume während der "
                "Betriebszeiten zu betreten.",
            ),
            (
                "§ 6 Ordnungswidrigkeiten",
                "(1) Ordnungswidrig handelt, wer vorsätzlich oder "
                "fahrlässig entgegen § 3 Absatz 1 ohne Genehmigung tätig wird. (2) Die "
                "Ordnungswidrigkeit kann mit einer Geldbuße bis zu {fine} geahndet werden.",
            ),
            ("§ 7 Inkrafttreten", "Diese Verordnung tritt am Tag nach ihrer Verkündung in Kraft."),
        ),
        signature="{city}, den {date} – Der Oberbürgermeister",
    ),
    "fr": _LegalWords(
        title="Arrêté municipal n° {number} relatif à {topic}",
        topics=_split(
            "la musique de rue|la location de meublés de tourisme|la circulation des chiens|"
            "l'organisation des chantiers"
        ),
        preamble="Le Maire de la commune de {city}, Vu le code général des collectivités "
        "territoriales ; Vu l'avis de la commission compétente du {date} ; Considérant qu'il y "
        "a lieu de réglementer {topic} ; ARRÊTE :",
        articles=(
            (
                "Article 1er – Objet",
                "Le présent arrêté s'applique à {topic} sur l'ensemble du "
                "territoire de la commune de {city}.",
            ),
            (
                "Article 2 – Définitions",
                "Au sens du présent arrêté, on entend par « exploitant » "
                "toute personne exerçant une activité visée à l'article 3.",
            ),
            (
                "Article 3 – Autorisation préalable",
                "L'exercice de l'activité est soumis à une "
                "autorisation préalable délivrée par le maire. La demande doit être déposée au "
                "moins un mois avant le début de l'activité.",
            ),
            (
                "Article 4 – Obligations",
                "L'exploitant veille à ne pas troubler la tranquillité "
                "publique. Toute activité bruyante est interdite entre 22 heures et 7 heures.",
            ),
            (
                "Article 5 – Contrôle",
                "Les agents de la police municipale sont chargés du "
                "contrôle de l'application du présent arrêté.",
            ),
            (
                "Article 6 – Sanctions",
                "Les infractions au présent arrêté sont constatées par "
                "procès-verbal et punies de l'amende prévue pour les contraventions de la première "
                "classe, soit {fine} au plus.",
            ),
            (
                "Article 7 – Entrée en vigueur",
                "Le présent arrêté entre en vigueur le lendemain "
                "de sa publication. Il peut faire l'objet d'un recours devant le tribunal "
                "administratif dans un délai de deux mois.",
            ),
        ),
        signature="Fait à {city}, le {date}. Le Maire",
    ),
    "es": _LegalWords(
        title="Ordenanza municipal reguladora de {topic}",
        topics=_split(
            "la música en la vía pública|las viviendas de uso turístico|la tenencia de perros|las "
            "obras en la vía pública"
        ),
        preamble="El Pleno del Ayuntamiento de {city}, en sesión celebrada el {date}, aprobó "
        "definitivamente la presente ordenanza, cuyo texto se publica a continuación.",
        articles=(
            (
                "Artículo 1. Objeto",
                "La presente ordenanza tiene por objeto regular {topic} en el "
                "término municipal de {city}.",
            ),
            (
                "Artículo 2. Definiciones",
                "A efectos de esta ordenanza, se entiende por titular "
                "la persona física o jurídica que ejerza alguna de las actividades previstas en el "
                "artículo 3.",
            ),
            (
                "Artículo 3. Autorización previa",
                "El ejercicio de la actividad requerirá "
                "autorización municipal previa, que deberá solicitarse con una antelación mínima "
                "de "
                "un mes.",
            ),
            (
                "Artículo 4. Obligaciones",
                "Los titulares deberán evitar molestias al vecindario y "
                "respetar el horario de descanso de 22:00 a 8:00 horas.",
            ),
            (
                "Artículo 5. Inspección",
                "Corresponde a la policía local la inspección y vigilancia "
                "del cumplimiento de esta ordenanza.",
            ),
            (
                "Artículo 6. Infracciones y sanciones",
                "Las infracciones leves se sancionarán con "
                "multa de hasta {fine}. La reincidencia podrá dar lugar a la revocación de la "
                "autorización.",
            ),
            (
                "Disposición final. Entrada en vigor",
                "La presente ordenanza entrará en vigor a "
                "los quince días de su publicación en el Boletín Oficial de la Provincia.",
            ),
        ),
        signature="En {city}, a {date}. El Alcalde",
    ),
}


def legal_foreign(fill: Fill) -> Doc:
    """A municipal regulation in German, French or Spanish."""
    words = _LEGAL_FOREIGN[fill.language]
    values = {
        "city": fill.city(),
        "topic": fill.pick(words.topics),
        "date": fill.date(fill.day()),
        "fine": fill.money(fill.rng.choice((150, 500, 1000, 2500))),
        "number": f"{fill.rng.randint(2010, 2024)}-{fill.rng.randint(10, 400)}",
    }
    count = fill.by_size((3, 4), (5, 6), (7, 7))
    kept = (
        list(words.articles[:1])
        + fill.some(words.articles[1:-1], count - 2, count - 2)
        + [words.articles[-1]]
    )
    kept.sort(key=words.articles.index)
    blocks: list[Block] = [para(fill.fmt(words.preamble, **values))]
    for name, text in kept:
        blocks += [heading(name), para(fill.fmt(text, **values))]
    blocks.append(lines(fill.fmt(words.signature, **values)))
    title = fill.fmt(words.title, **values)
    return _doc(fill, title, blocks, organisation=values["city"])


# --- literature -------------------------------------------------------------------------

_PRONOUNS = {
    "f": {"pr": "she", "Pr": "She", "pos": "her", "obj": "her"},
    "m": {"pr": "he", "Pr": "He", "pos": "his", "obj": "him"},
}
_STORY_SETTING = (
    "The rain had not stopped for three days, and the river at the bottom of the lane was the "
    "colour of strong tea.",
    "It was the last week of summer in {place}, and the fairground had already begun to pack "
    "itself away.",
    "The house stood at the end of a road that the council had stopped gritting years ago.",
    "Morning came slowly to the harbour, first as a grey line over the water, then as the cries "
    "of gulls.",
    "The train was late again, and the platform smelled of diesel and wet wool.",
    "Snow had fallen in the night, and the village looked as if someone had rubbed it out and "
    "begun again.",
    "In {place} the shops still closed for lunch, and nobody had ever thought to complain.",
)
_STORY_ACTION = (
    "{name} stood at the window for a long time, watching the lights go out one by one along "
    "the street.",
    "{Pr} had promised {other} that {pr} would not go back, and {pr} had meant it at the time.",
    "When the knock came, {name} did not move at first.",
    "{other} laughed, but there was something careful in it, as if the laugh had been rehearsed.",
    "{Pr} walked the long way round, past the shuttered bakery and the church with its crooked "
    "spire.",
    "There was a photograph on the mantelpiece that nobody ever mentioned.",
    "{name} counted the coins in {pos} hand and found that there were not enough.",
    "Years later, {pr} would remember that afternoon as the last ordinary day.",
    "The dog followed {obj} as far as the gate and then sat down, as if it knew something {pr} "
    "did not.",
    "{other} had always kept the key under the third flowerpot, and it was still there.",
    "The kettle began to sing, and for a moment neither of them said anything.",
    "{Pr} thought of {pos} father's hands, rough and patient, mending nets on the slipway.",
    "Somewhere a radio was playing a song {pr} had not heard since school.",
    "{name} climbed the stairs slowly, counting them the way {pr} had as a child.",
    "The letter was still in {pos} coat pocket, unopened, heavier than paper had any right to be.",
    "Outside, the wind worried at the loose slate on the roof.",
)
_STORY_DIALOGUE = (
    '"You came back," {other} said.',
    '"I said I would," {name} replied, though {pr} was not sure it was true.',
    '"Is it still there?" "Where else would it be?"',
    '"We should go before it gets dark."',
    '"You never used to be afraid of anything." "I never used to know anything."',
    '"Tell me what happened. All of it, this time."',
    '"It was a long time ago," {pr} said quietly.',
    '"Do you want tea?" {other} asked, already filling the kettle.',
    '"Nobody blames you," {other} said, and {name} wished that were enough.',
)
_STORY_THOUGHT = (
    "It occurred to {obj} that grief was mostly a matter of furniture: the chair nobody sat in, "
    "the coat still on its hook.",
    "{Pr} had always believed that leaving was the brave thing; now {pr} was not so sure.",
    "Memory, {pr} thought, is a poor map, but it is the only one we have.",
    "Perhaps, {pr} thought, every family has one room that nobody goes into.",
    "{Pr} understood, too late, that {other} had been asking for help all along.",
)
_STORY_TITLES = _split(
    "The Salt Road|What the River Kept|A House Without Clocks|Winter Lodgers|The Lighthouse "
    "Keeper's Daughter|Small Hours|Borrowed Light|The Orchard in November|Late Trains"
    "|The Weight of Letters|Low Tide"
)
_PLACES = _split("Kilmory|Alnwick Bay|Saint-Aubin|Castlereagh|Porthallow|Ravensby|Eastwick Fen")


def _story_paragraph(fill: Fill, names: dict[str, str], dialogue: float = 0.35) -> str:
    if fill.rng.random() < dialogue:
        return " ".join(fill.fmt(line, **names) for line in fill.some(_STORY_DIALOGUE, 1, 2))
    pool = (
        _STORY_ACTION + _STORY_THOUGHT
        if fill.rng.random() < 0.7
        else _STORY_SETTING + _STORY_ACTION
    )
    return fill.sentences(pool, 2, 5, **names)


def _characters(fill: Fill) -> dict[str, str]:
    name, gender = fill.first_name()
    other, _ = fill.first_name()
    while other == name:
        other, _ = fill.first_name()
    return {"name": name, "other": other, "place": fill.pick(_PLACES), **_PRONOUNS[gender]}


def literature_story(fill: Fill) -> Doc:
    """A short story: setting, action, dialogue and reflection, in numbered parts when long."""
    names = _characters(fill)
    title = fill.pick(_STORY_TITLES)
    author = fill.person()
    blocks: list[Block] = [lines(f"by {author}") if fill.rng.random() < 0.7 else lines()]
    blocks.append(para(fill.sentences(_STORY_SETTING, 1, 2, **names)))
    parts = fill.by_size((1, 1), (1, 2), (3, 5))
    for part in range(1, parts + 1):
        if parts > 1:
            blocks.append(heading(str(part) if fill.rng.random() < 0.5 else "*"))
        for _ in range(fill.by_size((2, 4), (5, 9), (8, 14))):
            blocks.append(para(_story_paragraph(fill, names)))
    return _doc(
        fill,
        title,
        blocks,
        author=author,
        organisation=fill.pick(("", "Harbour Lights Press", "Fenwick & Daughters")) or author,
    )


_VERSE = _split(
    "the kettle ticking as it cools|a field gone silver under frost|my mother's handwriting on "
    "the jar|the tide undoing what we built|slow bells across the water|the hush before the "
    "first snow|your coat still warm upon the chair|a gull's cry tearing at the dusk|the long "
    "light of September|apples bruising in the grass|the stairs that creak in the same "
    "place|a letter never sent|rain learning the shape of the roof|the last bus lit like a "
    "lantern|we said nothing, and it was enough|the orchard keeping its own counsel|salt on the "
    "window, salt on the tongue|I count the swallows leaving|and the river does not look "
    "back|the clock in the hall forgetting us|a moth against the lamp's small moon|the names "
    "we gave the hills|bread rising in a cold kitchen|how the dark comes early now|the gate you "
    "never mended|frost writing on the glass|a heron standing in its own reflection"
)
_POEM_TITLES = _split(
    "Inventory|November|What the Tide Said|Kitchen, Early|Swallows|For My Father|Lantern"
    "|Small Psalm|The Gate|Heron|After the Funeral|Allotment|Night Bus"
)


def literature_poems(fill: Fill) -> Doc:
    """A small collection of poems in stanzas."""
    author = fill.person()
    blocks: list[Block] = [lines(f"Poems by {author}")]
    for title in fill.some(
        _POEM_TITLES, *{"short": (1, 2), "medium": (3, 5), "long": (8, 12)}[fill.size]
    ):
        blocks.append(heading(title))
        for _ in range(fill.rng.randint(2, 5)):
            verses = fill.draw(_VERSE, 3, 5)
            verses[0] = verses[0][0].upper() + verses[0][1:]
            blocks.append(lines(*verses[:-1], verses[-1] + fill.pick((".", "", ",", "."))))
    collection = fill.pick(
        (
            "Selected Poems",
            "New Poems",
            f"{fill.pick(_POEM_TITLES)} and Other Poems",
            "Poems from the Coast",
        )
    )
    return _doc(fill, collection, blocks, author=author)


def literature_chapter(fill: Fill) -> Doc:
    """A novel chapter, heavier on dialogue."""
    names = _characters(fill)
    number = fill.rng.randint(1, 30)
    roman = _roman(number)
    blocks: list[Block] = [
        heading(fill.pick((f"Chapter {roman}", f"CHAPTER {number}", f"{number}"))),
        para(fill.sentences(_STORY_SETTING, 1, 3, **names)),
    ]
    for _ in range(fill.by_size((3, 5), (10, 18), (25, 40))):
        blocks.append(para(_story_paragraph(fill, names, dialogue=0.5)))
    title = fill.pick(_STORY_TITLES)
    return _doc(fill, title, blocks)


_PLAY_LINES = (
    "You came back.",
    "I said I would.",
    "Is it still there?",
    "Where else would it be?",
    "We should go before it gets dark.",
    "You never used to be afraid of anything.",
    "I never used to know anything.",
    "Tell me what happened. All of it, this time.",
    "It was a long time ago.",
    "Do you want tea? I'll put the kettle on.",
    "Nobody blames you.",
    "Then why does it feel like everyone does?",
    "The roof's leaking again.",
    "Leave it. It's been leaking for twenty years.",
    "She kept every letter, you know. Every single one.",
    "I'm not staying long.",
    "You always say that.",
    "What did the doctor say?",
    "Nothing I didn't already know.",
    "Sit down, for heaven's sake.",
    "Do you remember the summer of the flood?",
    "I remember you left.",
)
_FIRST_ROLES = _split("a retired teacher|a fisherman|a nurse on nights|a widowed farmer")
_STAGE_DIRECTIONS = (
    "[{B} enters, shaking rain from an umbrella.]",
    "[Pause.]",
    "[{A} crosses to the window and looks out.]",
    "[A long silence. The clock strikes.]",
    "[{B} sits, then stands again at once.]",
    "[The lights dim slowly.]",
    "[{A} picks up the letter, reads it, puts it down.]",
)


def literature_play(fill: Fill) -> Doc:
    """A scene from a play: cast, stage directions and speeches."""
    a, gender_a = fill.first_name()
    b, _ = fill.first_name()
    while b == a:
        b, _ = fill.first_name()
    names = {"name": a, "other": b, "place": fill.pick(_PLACES), **_PRONOUNS[gender_a]}
    cast = lines(
        "CHARACTERS",
        f"{a.upper()}, {fill.pick(_FIRST_ROLES)}",
        f"{b.upper()}, "
        f"{fill.pick(('a younger sibling', 'an old friend', 'a stranger', 'a neighbour'))}",
    )
    blocks: list[Block] = [
        lines(
            f"A play in {fill.pick(('one act', 'two acts', 'three acts'))}", f"by {fill.person()}"
        ),
        cast,
        heading(fill.pick(("ACT ONE", "ACT I"))),
        heading(f"Scene {fill.rng.randint(1, 4)}"),
        para(
            f"[A kitchen in a farmhouse near {names['place']}. Evening. {a.upper()} sits at the "
            "table. The radio is on, very low.]"
        ),
    ]
    speakers = (a.upper(), b.upper())
    for turn in range(fill.by_size((4, 8), (14, 24), (40, 60))):
        if fill.rng.random() < 0.2:
            blocks.append(para(fill.fmt(fill.pick(_STAGE_DIRECTIONS), A=a.upper(), B=b.upper())))
        blocks.append(para(f"{speakers[turn % 2]}: {' '.join(fill.some(_PLAY_LINES, 1, 3))}"))
    blocks.append(para("[Blackout.]"))
    return _doc(fill, fill.pick(_STORY_TITLES).upper(), blocks)


def _roman(number: int) -> str:
    numerals = ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    result = ""
    for value, letters in numerals:
        while number >= value:
            result, number = result + letters, number - value
    return result


@dataclass(frozen=True)
class _ProseWords:
    titles: tuple[str, ...]
    chapter: str
    pronouns: dict[str, dict[str, str]]
    sentences: tuple[str, ...]


_PROSE_FOREIGN: dict[str, _ProseWords] = {
    "de": _ProseWords(
        titles=_split("Das Haus am Fluss|Späte Züge|Der Winter in der Mühle|Salz und Regen"),
        chapter="Kapitel {n}",
        pronouns={
            "f": {"pr": "sie", "poss": "ihrer", "obj": "ihr"},
            "m": {"pr": "er", "poss": "seiner", "obj": "ihm"},
        },
        sentences=(
            "Der Regen hatte seit drei Tagen nicht aufgehört, und der Fluss am Ende der Gasse war "
            "braun wie starker Tee.",
            "{name} faltete den Brief zweimal und steckte ihn in die Manteltasche.",
            "Niemand im Dorf sprach mehr über den Winter, in dem die Mühle abgebrannt war.",
            "Als es an der Tür klopfte, rührte sich {name} zunächst nicht.",
            "„Du bist zurückgekommen“, sagte {other} leise.",
            "„Ich hatte es versprochen“, antwortete {name}, obwohl {pr} selbst nicht mehr daran "
            "geglaubt hatte.",
            "Der Wasserkessel begann zu pfeifen, und eine Weile sagte keiner von beiden ein Wort.",
            "Auf dem Kaminsims stand ein Foto, über das nie jemand sprach.",
            "Jahre später würde {pr} sich an diesen Nachmittag als den letzten gewöhnlichen Tag "
            "erinnern.",
            "Irgendwo spielte ein Radio ein Lied aus {poss} Schulzeit.",
            "Der Hund folgte {obj} bis zum Gartentor und setzte sich dann, als wüsste er etwas.",
            "Erinnerung, dachte {name}, ist eine schlechte Landkarte, aber die einzige, die wir "
            "haben.",
            "Der Zug hatte wieder Verspätung, und auf dem Bahnsteig roch es nach Diesel und "
            "nasser Wolle.",
            "{name} ging den langen Weg, vorbei an der geschlossenen Bäckerei und der Kirche mit "
            "dem schiefen Turm.",
        ),
    ),
    "fr": _ProseWords(
        titles=_split(
            "La Maison sur la rivière|Les Derniers Trains|L'Hiver du moulin|Le Sel et la pluie"
        ),
        chapter="Chapitre {n}",
        pronouns={"f": {"pr": "elle", "obj": "la"}, "m": {"pr": "il", "obj": "le"}},
        sentences=(
            "La pluie ne s'était pas arrêtée depuis trois jours, et la rivière au bout du chemin "
            "avait la couleur du thé fort.",
            "{name} plia la lettre en deux et la glissa dans la poche de son manteau.",
            "Au village, plus personne ne parlait de l'hiver où le moulin avait brûlé.",
            "Quand on frappa à la porte, {name} ne bougea pas tout de suite.",
            "« Te voilà donc », dit {other} à voix basse.",
            "« Je te l'avais promis », répondit {name}, sans trop y croire.",
            "La bouilloire se mit à siffler, et pendant un moment aucun des deux ne dit rien.",
            "Sur la cheminée, il y avait une photographie dont personne ne parlait jamais.",
            "Des années plus tard, {pr} se souviendrait de cet après-midi comme du dernier jour "
            "ordinaire.",
            "Quelque part, une radio jouait une chanson de son enfance.",
            "Le chien {obj} suivit jusqu'au portail, puis s'assit, comme s'il savait quelque "
            "chose.",
            "La mémoire, pensait {name}, est une mauvaise carte, mais c'est la seule que nous "
            "ayons.",
            "Le train avait encore du retard, et le quai sentait le gazole et la laine mouillée.",
            "{name} prit le chemin le plus long, devant la boulangerie fermée et l'église au "
            "clocher penché.",
        ),
    ),
    "es": _ProseWords(
        titles=_split("La casa del río|Los últimos trenes|El invierno del molino|Sal y lluvia"),
        chapter="Capítulo {n}",
        pronouns={"f": {"pr": "ella", "obj": "la"}, "m": {"pr": "él", "obj": "lo"}},
        sentences=(
            "La lluvia no había parado en tres días y el río al final del camino tenía el color "
            "del té cargado.",
            "{name} dobló la carta dos veces y la guardó en el bolsillo del abrigo.",
            "En el pueblo ya nadie hablaba del invierno en que ardió el molino.",
            "Cuando llamaron a la puerta, {name} no se movió al principio.",
            "—Así que has vuelto —dijo {other} en voz baja.",
            "—Te lo prometí —respondió {name}, aunque ni siquiera lo creía del todo.",
            "La tetera empezó a silbar y durante un rato ninguno de los dos dijo nada.",
            "Sobre la chimenea había una fotografía de la que nadie hablaba nunca.",
            "Años después, recordaría aquella tarde como el último día corriente.",
            "En algún lugar sonaba una radio con una canción de su infancia.",
            "El perro {obj} siguió hasta la verja y luego se sentó, como si supiera algo.",
            "La memoria, pensó {name}, es un mal mapa, pero es el único que tenemos.",
            "El tren volvía a llegar tarde y el andén olía a gasóleo y a lana mojada.",
            "{name} tomó el camino largo, pasando por la panadería cerrada y la iglesia del "
            "campanario torcido.",
        ),
    ),
}


def literature_foreign(fill: Fill) -> Doc:
    """Narrative prose in German, French or Spanish."""
    words = _PROSE_FOREIGN[fill.language]
    name, gender = fill.first_name()
    other, _ = fill.first_name()
    names = {"name": name, "other": other, **words.pronouns[gender]}
    blocks: list[Block] = []
    if fill.rng.random() < 0.6:
        blocks.append(heading(fill.fmt(words.chapter, n=str(fill.rng.randint(1, 20)))))
    for _ in range(fill.by_size((2, 3), (6, 10), (14, 24))):
        blocks.append(para(fill.sentences(words.sentences, 2, 4, **names)))
    return _doc(fill, fill.pick(words.titles), blocks)


# --- news_article -----------------------------------------------------------------------

_NEWS_STORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "council": (
        "{city} council votes to {action}",
        (
            "Councillors in {city} voted {votes_for} to {votes_against} on {weekday} night to "
            "{action}, despite protests outside the town hall.",
            "The decision follows a public consultation that drew more than {big} responses.",
            'Council leader {person} said the authority faced "impossible choices" after years '
            "of reduced funding from central government.",
            "Opposition members argued that the plan would hit the poorest households hardest.",
            "The changes are expected to take effect from {month}.",
            "A petition against the proposal has gathered {big} signatures.",
            "Residents who spoke at the meeting described the plans as short-sighted.",
            "The council says it will review the impact of the decision after twelve months.",
        ),
    ),
    "plant": (
        "{company} to open new plant in {city}, creating {n}0 jobs",
        (
            "{company} has announced plans to build a manufacturing facility on the outskirts "
            "of {city}.",
            "The site is expected to employ around {big} people when it reaches full capacity "
            "in {year}.",
            "Chief executive {person} said the region's skilled workforce and transport links "
            "had been decisive.",
            "Local business leaders welcomed the news, which follows several years of factory "
            "closures in the area.",
            "Construction is due to begin in the spring, subject to planning approval.",
            "The company already employs about {n}00 people at two sites in the region.",
            "Trade unions said they would seek talks about pay and conditions at the new plant.",
        ),
    ),
    "strike": (
        "Rail passengers face disruption as drivers stage {n}-day strike",
        (
            "Train drivers at {company} will walk out on {date} in a long-running dispute over "
            "pay and conditions.",
            "The operator said it would run a reduced timetable, with no services after 7pm.",
            "The union said its members had been offered a below-inflation pay rise.",
            "Passengers are advised to check before travelling and to expect crowded trains on "
            "the days either side of the strike.",
            "Talks between the two sides broke down on {weekday} without agreement.",
            "Business groups warned that the strike would cost the local economy millions.",
        ),
    ),
    "flood": (
        "Hundreds of homes flooded after heavy rain in {city}",
        (
            "Emergency services rescued dozens of residents overnight after a month's rainfall "
            "fell in just {n} hours.",
            "The river burst its banks shortly after midnight, flooding roads in the town centre.",
            "{n} flood warnings remain in place across the region.",
            "Volunteers have set up a rest centre in the community hall.",
            "Forecasters say more rain is expected later this week.",
            "Insurers have urged homeowners to photograph damage before starting to clear up.",
            "The local MP called for urgent investment in flood defences.",
        ),
    ),
    "school": (
        "Schools in {city} to get funding for free breakfast clubs",
        (
            "More than {n} primary schools in {city} will receive funding to run free breakfast "
            "clubs from September.",
            "Head teachers say hungry children struggle to concentrate in morning lessons.",
            "The scheme will cost {money} in its first year and will be reviewed after two years.",
            "{person}, who runs a breakfast club at a school in the east of the city, said "
            "demand had doubled since last year.",
            "Critics said the money would be better spent on raising family incomes.",
        ),
    ),
}
_NEWS_ACTIONS = _split(
    "close two branch libraries|introduce a charge for garden waste collection|extend the "
    "low-emission zone|build 400 affordable homes on the former bus depot site|cut street "
    "lighting after midnight"
)
_REPORTER_ROLES = _split(
    "Local Democracy Reporter|Business correspondent|Transport correspondent|Staff reporter|"
    "Education correspondent|Environment reporter"
)


def news_general(fill: Fill) -> Doc:
    """A general news report: headline, standfirst, byline, lead, quotes, background."""
    story = fill.pick(sorted(_NEWS_STORIES))
    headline, pool = _NEWS_STORIES[story]
    values = {
        "city": fill.city(),
        "action": fill.pick(_NEWS_ACTIONS),
        "company": fill.company(),
        "votes_for": str(fill.rng.randint(20, 40)),
        "votes_against": str(fill.rng.randint(8, 19)),
    }
    day = fill.day()
    title = fill.fmt(headline, **values)
    title = title[0].upper() + title[1:]
    body = fill.ordered_paragraphs(pool, fill.by_size((2, 3), (3, 5), (5, 7)), **values)
    blocks: list[Block] = [
        lines(f"By {fill.person()}, {fill.pick(_REPORTER_ROLES)}", f"Published {fill.date(day)}"),
        *body,
    ]
    return _doc(
        fill,
        title,
        blocks,
        day=day,
        organisation=fill.pick(
            (
                "The " + values["city"] + " Courier",
                "Evening Chronicle",
                "The Daily Ledger",
                "Northern Post",
            )
        ),
    )


_GROUNDS = _split("Mill Road|the Riverside Stadium|Victoria Park|the Old Showground")
_MANAGER_QUOTES = (
    "We showed great character today.",
    "I thought we deserved more from the game.",
    "The lads gave everything and that is all I can ask.",
    "We have to be better than that in front of our own fans.",
)
_SPORT_LINES = (
    "{scorer} opened the scoring in the {m1}th minute, heading in a corner from {last}.",
    "The visitors equalised shortly before half-time when {scorer2} fired low into the bottom "
    "corner.",
    "{scorer} restored the lead from the penalty spot after {last} was brought down in the box.",
    "Goalkeeper {keeper} made a string of fine saves to keep his side in the game.",
    "{scorer2} hit the post with ten minutes left as the away side pushed for a late equaliser.",
    "Substitute {last} sealed the win in stoppage time with a curling shot from the edge of "
    "the area.",
    "The home side dominated possession but created few clear chances in the first half.",
    "A crowd of {big} watched the match in bright sunshine.",
    "{last} was shown a second yellow card in the {m2}th minute, leaving his side with ten men.",
)


def news_sport(fill: Fill) -> Doc:
    """A football match report."""
    city_a, city_b = fill.city(), fill.city()
    home = f"{city_a} {fill.pick(('Rovers', 'United', 'Athletic', 'City', 'Town', 'Wanderers'))}"
    away = f"{city_b} {fill.pick(('Rovers', 'United', 'Athletic', 'City', 'Albion', 'Rangers'))}"
    goals_home, goals_away = fill.rng.randint(1, 4), fill.rng.randint(1, 3)
    names = {
        "scorer": f"{fill.first_name('m')[0]} {fill.last_name()}",
        "scorer2": f"{fill.first_name('m')[0]} {fill.last_name()}",
        "player": fill.last_name(),
        "keeper": fill.last_name(),
        "m1": str(fill.rng.randint(4, 44)),
        "m2": str(fill.rng.randint(46, 88)),
    }
    verb = (
        "beat"
        if goals_home > goals_away
        else ("held by" if goals_home == goals_away else "lose to")
    )
    title = (
        f"{home} {verb} {away} {goals_home}-{goals_away}"
        if verb != "lose to"
        else f"{away} win {goals_away}-{goals_home} at {home}"
    )
    day = fill.day()
    manager = fill.person()
    blocks: list[Block] = [
        lines(
            f"By {fill.person()}, at {fill.pick(_GROUNDS)}",
            fill.date(day),
        ),
        *fill.ordered_paragraphs(_SPORT_LINES, fill.by_size((2, 3), (3, 5), (5, 7)), **names),
        para(f'{manager}, the {home} manager, said afterwards: "{fill.pick(_MANAGER_QUOTES)}"'),
        para(
            f"The result leaves {home} "
            f"{fill.pick(('third', 'fifth', 'eighth', 'twelfth', 'bottom'))} in the table, "
            f"{fill.rng.randint(1, 15)} points behind the leaders. {home} travel to {fill.city()} "
            f"next {fill.pick(('Saturday', 'Tuesday'))}."
        ),
    ]
    if fill.size == "long":
        blocks.append(
            lines(
                f"{home}: " + ", ".join(fill.last_name() for _ in range(11)),
                f"{away}: " + ", ".join(fill.last_name() for _ in range(11)),
                f"Referee: {fill.person()}",
            )
        )
    return _doc(fill, title, blocks, day=day)


_SCIENCE_FINDINGS = _split(
    "a common soil bacterium can break down some plastics|regular afternoon naps are linked to "
    "better memory in older adults|urban foxes are developing shorter snouts|a new battery "
    "chemistry could halve charging times|bees can learn to tell apart simple shapes|a cheap "
    "blood test may detect kidney disease earlier"
)
_SCIENCE_LINES = (
    "The study, published in the journal {journal}, followed {big} participants over {n} years.",
    'Lead author Dr {person} said the results were "encouraging but preliminary".',
    "Independent experts cautioned that the findings had yet to be replicated in larger samples.",
    "The team now plans a larger trial to test whether the effect holds in other settings.",
    "The research was funded by a national science council and two charities.",
    "Previous studies had produced conflicting results, partly because of small sample sizes.",
    "The researchers stressed that the study showed an association, not cause and effect.",
    "If confirmed, the discovery could have applications in industry within a decade.",
)


def news_science(fill: Fill) -> Doc:
    """A science news story reporting a study."""
    finding = fill.pick(_SCIENCE_FINDINGS)
    university = f"University of {fill.city()}"
    day = fill.day()
    title = fill.pick(
        (f"Scientists find {finding}", f"Study suggests {finding}", f"Research: {finding}")
    )
    blocks: list[Block] = [
        lines(f"By {fill.person()}, Science reporter", fill.date(day)),
        para(f"Researchers at the {university} say they have found evidence that {finding}."),
        *(
            para(fill.sentences(_SCIENCE_LINES, 1, 3, journal=fill.pick(_JOURNALS)))
            for _ in range(fill.by_size((1, 2), (3, 5), (6, 9)))
        ),
    ]
    return _doc(fill, title[0].upper() + title[1:], blocks, day=day)


def news_brief(fill: Fill) -> Doc:
    """A short wire story of a few sentences."""
    story = fill.pick(sorted(_NEWS_STORIES))
    headline, pool = _NEWS_STORIES[story]
    values = {
        "city": fill.city(),
        "action": fill.pick(_NEWS_ACTIONS),
        "company": fill.company(),
        "votes_for": str(fill.rng.randint(20, 40)),
        "votes_against": str(fill.rng.randint(8, 19)),
    }
    day = fill.day()
    agency = fill.pick(("Wire Service", "Regional News Agency", "Press Association of the North"))
    dateline = f"{values['city'].upper()}, {fill.date(day)} ({agency}) - "
    blocks: list[Block] = [
        para(dateline + fill.sentences_in_order(pool, 2, 4, **values)),
        lines(f"Reporting by {fill.person()}; editing by {fill.person()}"),
    ]
    title = fill.fmt(headline, **values)
    return _doc(fill, title[0].upper() + title[1:], blocks, day=day, organisation=agency)


_NEWS_FOREIGN: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "de": (
        (
            "Stadtrat beschließt Bau von {n}0 Sozialwohnungen",
            (
                "Der Stadtrat von {city} hat am {weekday} mit großer Mehrheit den Bau neuer "
                "Sozialwohnungen beschlossen.",
                "Das Projekt soll auf dem Gelände des ehemaligen Busdepots entstehen.",
                "Oberbürgermeisterin {person} sprach von einem „wichtigen Signal für junge "
                "Familien“.",
                "Kritik kam von der Opposition, die die hohen Kosten bemängelte.",
                "Anwohner hatten zuvor mehr als {big} Unterschriften gegen das Vorhaben gesammelt.",
                "Die Bauarbeiten sollen im Frühjahr {year} beginnen.",
            ),
        ),
        (
            "Warnstreik: Busse und Bahnen in {city} stehen still",
            (
                "Die Gewerkschaft hat die Beschäftigten der Verkehrsbetriebe in {city} für "
                "{weekday} "
                "zu einem ganztägigen Warnstreik aufgerufen.",
                "Betroffen sind alle Bus- und Straßenbahnlinien.",
                "Die Gewerkschaft fordert eine Lohnerhöhung von {pct}.",
                "Fahrgäste sollten auf das Fahrrad umsteigen oder Fahrgemeinschaften bilden.",
                "Die nächste Verhandlungsrunde ist für Ende {month} angesetzt.",
            ),
        ),
        (
            "Unwetter: Keller unter Wasser, Straßen gesperrt",
            (
                "Heftige Gewitter haben in der Nacht in {city} und Umgebung zahlreiche Keller "
                "überflutet.",
                "Die Feuerwehr rückte mehr als {big} Mal aus.",
                "Mehrere Straßen sind weiterhin gesperrt.",
                "Der Wetterdienst warnt vor weiteren Unwettern bis zum Wochenende.",
                "Verletzt wurde nach Angaben der Polizei niemand.",
            ),
        ),
    ),
    "fr": (
        (
            "Le conseil municipal de {city} approuve la construction de logements sociaux",
            (
                "Le conseil municipal de {city} a voté {weekday} soir la construction de logements "
                "sociaux sur le site de l'ancien dépôt de bus.",
                "Le projet doit être livré en {year}.",
                "« C'est un signal fort pour les jeunes ménages », a déclaré la maire, {person}.",
                "L'opposition dénonce un coût trop élevé et un manque de concertation avec les "
                "riverains.",
                "Une pétition contre le projet a recueilli plus de {big} signatures.",
                "Les travaux devraient commencer au printemps.",
            ),
        ),
        (
            "Grève dans les transports : la circulation fortement perturbée à {city}",
            (
                "Les conducteurs de bus et de tramway de {city} sont appelés à la grève le {date}.",
                "La direction prévoit un service minimum, avec un bus sur trois aux heures de "
                "pointe.",
                "Les syndicats réclament une revalorisation des salaires de {pct}.",
                "Les usagers sont invités à privilégier le covoiturage ou le télétravail.",
                "Une nouvelle réunion de négociation est prévue fin {month}.",
            ),
        ),
        (
            "Inondations : des centaines de foyers sinistrés près de {city}",
            (
                "De violents orages se sont abattus sur la région de {city} dans la nuit, "
                "provoquant "
                "d'importantes inondations.",
                "Les pompiers sont intervenus plus de {big} fois en quelques heures.",
                "Plusieurs routes restent coupées à la circulation.",
                "La vigilance orange est maintenue pour les prochaines heures.",
                "Un gymnase a été ouvert pour accueillir les habitants évacués.",
            ),
        ),
    ),
    "es": (
        (
            "El Ayuntamiento de {city} aprueba la construcción de viviendas protegidas",
            (
                "El pleno del Ayuntamiento de {city} aprobó el {weekday} la construcción de "
                "viviendas "
                "protegidas en los terrenos de la antigua estación de autobuses.",
                "«Es una apuesta decidida por los jóvenes», afirmó la alcaldesa, {person}.",
                "La oposición criticó la falta de diálogo con los vecinos del barrio.",
                "Más de {big} vecinos firmaron contra el proyecto.",
                "Las obras comenzarán previsiblemente en {year}.",
            ),
        ),
        (
            "Huelga de autobuses en {city}: servicios mínimos del 30 %",
            (
                "Los conductores de autobuses urbanos de {city} están convocados a una huelga el "
                "{date}.",
                "La empresa ha fijado unos servicios mínimos del 30 % en horas punta.",
                "Los sindicatos reclaman una subida salarial del {pct} y mejoras en los turnos.",
                "Se recomienda a los usuarios consultar los horarios antes de desplazarse.",
                "Las partes volverán a reunirse a finales de {month}.",
            ),
        ),
        (
            "Las lluvias torrenciales inundan decenas de viviendas en {city}",
            (
                "Una fuerte tormenta descargó más de {n} litros por metro cuadrado en apenas dos "
                "horas.",
                "Los bomberos realizaron más de {big} intervenciones durante la noche.",
                "Varias carreteras permanecen cortadas al tráfico.",
                "Se mantiene el aviso naranja por lluvias hasta el jueves.",
                "El polideportivo municipal acoge a los vecinos desalojados.",
            ),
        ),
    ),
}


def news_foreign(fill: Fill) -> Doc:
    """A local news report in German, French or Spanish."""
    headline, pool = fill.pick(_NEWS_FOREIGN[fill.language])
    city = fill.city()
    day = fill.day()
    byline = {"de": "Von", "fr": "Par", "es": "Por"}[fill.language]
    blocks: list[Block] = [
        lines(f"{byline} {fill.person()}", fill.date(day)),
        *fill.ordered_paragraphs(pool, fill.by_size((1, 2), (2, 3), (3, 5)), city=city),
    ]
    return _doc(fill, fill.fmt(headline, city=city), blocks, day=day)


# --- resume -----------------------------------------------------------------------------

_ACHIEVEMENTS = (
    "Managed a budget of {money} and reported monthly to the leadership team.",
    "Introduced a new scheduling process that cut overtime by {pct}.",
    "Trained and mentored {n} junior colleagues.",
    "Built and maintained relationships with more than {n} key clients.",
    "Delivered {n} projects on time and within budget.",
    "Prepared weekly performance reports for senior management.",
    "Worked with suppliers to reduce stock-outs by {pct}.",
    "Raised customer satisfaction scores from 7.1 to 8.6 out of 10.",
    "Led the move to a new CRM system for a team of {n} people.",
    "Wrote and maintained the team's procedures manual.",
    "Won the regional award for customer service in {year}.",
)
_ROLE_ACHIEVEMENTS: dict[str, tuple[str, ...]] = {
    "Software Engineer": (
        "Developed REST APIs in Python and Go serving {big} requests a day.",
        "Migrated legacy services to Kubernetes, cutting hosting costs by {pct}.",
        "Introduced automated testing, raising coverage from 35% to 80%.",
    ),
    "Registered Nurse": (
        "Cared for up to {n} patients per shift on a busy surgical ward.",
        "Acted as shift coordinator and supervised student nurses.",
    ),
    "Teacher of Mathematics": (
        "Taught mathematics to classes of up to {n} pupils aged 11-16.",
        "Improved the department's pass rate at 16 by {pct} over two years.",
    ),
    "Accountant": (
        "Prepared monthly management accounts and year-end statutory accounts.",
        "Led the annual audit and the group's VAT returns.",
    ),
    "Graphic Designer": (
        "Designed packaging for a range of {n} products.",
        "Created brand guidelines used by three agencies.",
    ),
    "Marketing Coordinator": (
        "Planned and ran campaigns across social media, e-mail and print.",
        "Grew the newsletter audience to {big} subscribers.",
    ),
}
_SUBJECTS = _split(
    "Business Management|Computer Science|Nursing|Mathematics|Graphic Design|Accounting and "
    "Finance|Civil Engineering|English Literature|Marketing|Biology"
)
_A_LEVELS = (
    "Mathematics, Physics, Chemistry",
    "English, History, French",
    "Biology, Chemistry, Psychology",
)
_SKILLS = _split(
    "Project planning|Budgeting|Stakeholder management|Microsoft Excel (advanced)|SQL|Python"
    "|Adobe InDesign|Public speaking|Negotiation|Data analysis|Team leadership|Customer service"
    "|Report writing|Agile methods|Health and safety|Full UK driving licence"
)
_PROFILE = (
    "{adjective} {role} with {years} years of experience in {sector}.",
    "Known for clear communication and a calm approach under pressure.",
    "Looking for a role where I can take on more responsibility and keep learning.",
    "Experienced in leading small teams and improving processes.",
    "Comfortable working with senior stakeholders and with customers.",
    "I enjoy solving problems and turning data into decisions.",
)


def _jobs(fill: Fill, role: str, count: int) -> list[Block]:
    blocks: list[Block] = []
    end = fill.day(2021, 2024)
    for index in range(count):
        start = end - dt.timedelta(days=fill.rng.randint(300, 1800))
        title = role if index == 0 else fill.pick((role, "Assistant " + role, fill.pick(_ROLES)))
        period = f"{fill.month_year(start)} - {'Present' if index == 0 else fill.month_year(end)}"
        pool = _ACHIEVEMENTS + _ROLE_ACHIEVEMENTS.get(role, ())
        blocks += [
            heading(f"{title}, {fill.company()}, {fill.city()}"),
            lines(period),
            bullets([fill.fmt(item) for item in fill.some(pool, 2, 5)]),
        ]
        end = start - dt.timedelta(days=fill.rng.randint(0, 120))
    return blocks


def resume_chronological(fill: Fill) -> Doc:
    """A chronological CV: contact, profile, experience, education, skills."""
    name = fill.person()
    role = fill.pick(_ROLES)
    profile = fill.sentences_in_order(
        _PROFILE,
        2,
        4,
        adjective=fill.pick(
            ("Experienced", "Results-driven", "Enthusiastic", "Reliable", "Qualified")
        ),
        role=role.lower(),
        years=str(fill.rng.randint(2, 20)),
        sector=fill.pick(
            (
                "logistics",
                "the public sector",
                "retail",
                "healthcare",
                "manufacturing",
                "financial services",
            )
        ),
    )
    blocks: list[Block] = [
        lines(f"{', '.join(fill.address())}", fill.phone(), fill.email(name)),
        heading(fill.pick(("Profile", "Personal statement", "Summary"))),
        para(profile),
        heading(fill.pick(("Work experience", "Employment history", "Experience"))),
        *_jobs(fill, role, fill.by_size((1, 2), (2, 4), (5, 7))),
        heading("Education"),
        lines(
            f"{fill.pick(('BSc (Hons)', 'BA (Hons)', 'MSc', 'HND', 'MA'))} "
            f"{fill.pick(_SUBJECTS)}, University of {fill.city()}, {fill.rng.randint(1995, 2020)}",
            f"A levels: {fill.pick(_A_LEVELS)}",
        ),
        heading("Skills"),
        bullets(fill.some(_SKILLS, 4, 8)),
        heading("Languages"),
        lines(
            f"English (native), {fill.pick(('French', 'Spanish', 'German', 'Polish', 'Urdu'))} "
            f"({fill.pick(('fluent', 'B2', 'conversational', 'basic'))})"
        ),
    ]
    if fill.rng.random() < 0.5:
        blocks += [
            heading("Interests"),
            para(
                fill.pick(
                    (
                        "Running, cooking and volunteering at a local food bank.",
                        "Cycling, photography and amateur theatre.",
                        "Chess, hill walking and coaching a junior football team.",
                    )
                )
            ),
        ]
    blocks.append(para("References available on request."))
    return _doc(
        fill,
        name if fill.rng.random() < 0.6 else f"Curriculum Vitae - {name}",
        blocks,
        author=name,
        organisation=name,
    )


_TECH_SUBJECTS = _split("Computer Science|Software Engineering|Mathematics|Physics")


def resume_technical(fill: Fill) -> Doc:
    """A skills-first technical résumé: skills table, projects, experience, certifications."""
    name = fill.person()
    role = fill.pick(
        ("Software Engineer", "Data Analyst", "DevOps Engineer", "Network Engineer", "QA Engineer")
    )
    projects = (
        "Built an internal dashboard used by {n} teams to track deliveries in real time.",
        "Automated nightly data loads, cutting manual work by {n} hours a week.",
        "Designed the event pipeline for a payments platform handling {big} events a day.",
        "Open-source contributor to a popular testing library.",
        "Led the migration of {n} services to a managed database.",
    )
    blocks: list[Block] = [
        lines(f"{role} | {fill.city()} | {fill.email(name)} | github.example/{_ascii_slug(name)}"),
        heading("Technical skills"),
        table(
            [
                ["Area", "Skills"],
                [
                    "Languages",
                    fill.pick(("Python, Go, SQL", "Java, Kotlin, SQL", "TypeScript, Python, Bash")),
                ],
                [
                    "Cloud and tools",
                    fill.pick(
                        (
                            "AWS, Terraform, Docker",
                            "Azure, Kubernetes, GitHub Actions",
                            "GCP, Ansible, Jenkins",
                        )
                    ),
                ],
                [
                    "Data",
                    fill.pick(
                        (
                            "PostgreSQL, Kafka, Spark",
                            "MySQL, Redis, Airflow",
                            "BigQuery, dbt, Looker",
                        )
                    ),
                ],
            ]
        ),
        heading("Projects"),
        bullets([fill.fmt(p) for p in fill.some(projects, 2, 5)]),
        heading("Experience"),
        *_jobs(
            fill,
            "Software Engineer" if role == "Software Engineer" else role,
            fill.by_size((1, 1), (2, 3), (4, 5)),
        ),
        heading("Certifications"),
        bullets(
            fill.some(
                (
                    "Cloud Practitioner (2021)",
                    "Certified Kubernetes Administrator (2022)",
                    "Scrum Master (2019)",
                    "ITIL Foundation (2018)",
                ),
                1,
                3,
            )
        ),
        heading("Education"),
        lines(
            f"{fill.pick(('BSc', 'BEng', 'MSc'))} {fill.pick(_TECH_SUBJECTS)}, "
            f"University of {fill.city()}"
        ),
    ]
    return _doc(fill, name, blocks, subject=f"CV - {name} - {role}", author=name, organisation=name)


def resume_academic(fill: Fill) -> Doc:
    """An academic CV: degrees, appointments, publications, grants, teaching."""
    name = fill.person()
    topic = fill.pick(_TOPICS)
    phd = fill.rng.randint(1998, 2018)
    blocks: list[Block] = [
        lines(
            f"Department of {topic.discipline}, University of {fill.city()}",
            fill.email(name, "university"),
        ),
        heading("Education"),
        lines(
            f"PhD in {topic.discipline}, University of {fill.city()}, {phd}",
            f"Thesis: {_capital_words(topic.factor)} and {_capital_words(topic.outcome)}",
            f"MSc {topic.discipline}, University of {fill.city()}, {phd - 2}",
        ),
        heading("Academic appointments"),
        lines(
            f"{phd + 6} - present: Senior Lecturer, University of {fill.city()}",
            f"{phd + 2} - {phd + 6}: Lecturer, University of {fill.city()}",
            f"{phd} - {phd + 2}: Postdoctoral Research Fellow",
        ),
        heading("Selected publications"),
        lines(
            *(
                ref.replace(
                    ref.split("]")[1].split("(")[0],
                    f" {name.split()[-1]}, {name[0]}., {fill.last_name()}, "
                    f"{fill.first_name()[0][0]}. ",
                )
                for ref in _references(fill, fill.by_size((3, 5), (8, 14), (20, 35)), topic)
            )
        ),
        heading("Grants and awards"),
        bullets(
            fill.some(
                (
                    f"Early Career Fellowship, {fill.money(fill.amount(50000, 400000))}, "
                    f"{phd + 3}-{phd + 6}",
                    f"Best Paper Award, Annual Conference, {phd + 4}",
                    f"Research grant (co-investigator), {fill.money(fill.amount(20000, 900000))}",
                    "Teaching excellence award",
                ),
                1,
                4,
            )
        ),
        heading("Teaching"),
        bullets(
            fill.some(
                (
                    f"Introduction to {topic.discipline} (first year, 200 students)",
                    "Research Methods (second year)",
                    "Advanced Statistics (MSc)",
                    "Supervision of 6 PhD students",
                ),
                2,
                4,
            )
        ),
        heading("Service"),
        para(
            f"Reviewer for {fill.pick(_JOURNALS)} and {fill.pick(_JOURNALS)}; member of the "
            "faculty ethics committee."
        ),
    ]
    return _doc(
        fill,
        f"{name} - Curriculum Vitae",
        blocks,
        author=name,
        organisation=f"University of {fill.city()}",
    )


@dataclass(frozen=True)
class _ResumeWords:
    title: str
    sections: tuple[str, ...]  # personal, experience, education, skills, languages, interests
    fields: tuple[str, ...]  # address, phone, e-mail, date of birth
    roles: tuple[str, ...]
    achievements: tuple[str, ...]
    degrees: tuple[str, ...]
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    interests: tuple[str, ...]
    present: str


_RESUME_FOREIGN: dict[str, _ResumeWords] = {
    "de": _ResumeWords(
        title="Lebenslauf",
        sections=(
            "Persönliche Daten",
            "Berufserfahrung",
            "Ausbildung",
            "Kenntnisse",
            "Sprachen",
            "Hobbys",
        ),
        fields=("Anschrift", "Telefon", "E-Mail", "Geburtsdatum"),
        roles=_split(
            "Sachbearbeiter Buchhaltung|Softwareentwickler|Vertriebsleiterin|Logistikkoordinator|"
            "Marketingreferentin|Projektleiter"
        ),
        achievements=(
            "Leitung eines Teams von {n} Mitarbeitenden",
            "Verantwortung für ein Budget von {money}",
            "Einführung eines neuen ERP-Systems",
            "Betreuung von Key-Account-Kunden",
            "Erstellung der Monats- und Jahresabschlüsse",
            "Optimierung der Lagerprozesse",
        ),
        degrees=(
            "Bachelor of Science Betriebswirtschaftslehre, Universität {city}",
            "Master of Science Informatik, Technische Universität {city}",
            "Ausbildung zur Industriekauffrau, {company}",
        ),
        skills=(
            "MS Office (sehr gut)",
            "SAP FI/CO",
            "Python, SQL",
            "Projektmanagement (PRINCE2)",
            "Führerschein Klasse B",
        ),
        languages=(
            "Deutsch (Muttersprache)",
            "Englisch (verhandlungssicher)",
            "Französisch (Grundkenntnisse)",
            "Spanisch (gut)",
        ),
        interests=("Laufen, Kochen, Ehrenamt im Sportverein", "Fotografie, Wandern, Gitarre"),
        present="heute",
    ),
    "fr": _ResumeWords(
        title="Curriculum vitae",
        sections=(
            "Informations personnelles",
            "Expérience professionnelle",
            "Formation",
            "Compétences",
            "Langues",
            "Centres d'intérêt",
        ),
        fields=("Adresse", "Téléphone", "E-mail", "Date de naissance"),
        roles=_split(
            "Chef de projet|Développeuse logiciel|Responsable commercial|Coordinatrice logistique|"
            "Chargé de marketing|Comptable"
        ),
        achievements=(
            "Encadrement d'une équipe de {n} personnes",
            "Gestion d'un budget de {money}",
            "Mise en place d'un nouvel outil de gestion",
            "Suivi d'un portefeuille de clients grands comptes",
            "Élaboration des clôtures mensuelles et annuelles",
            "Amélioration des processus logistiques",
        ),
        degrees=(
            "Master en gestion, Université de {city}",
            "Licence d'informatique, Université de {city}",
            "BTS Commerce international, {city}",
        ),
        skills=("Pack Office (avancé)", "SAP", "Python, SQL", "Gestion de projet", "Permis B"),
        languages=(
            "Français (langue maternelle)",
            "Anglais (courant)",
            "Espagnol (intermédiaire)",
            "Allemand (notions)",
        ),
        interests=("Course à pied, cuisine, bénévolat", "Photographie, randonnée, théâtre"),
        present="aujourd'hui",
    ),
    "es": _ResumeWords(
        title="Currículum vítae",
        sections=(
            "Datos personales",
            "Experiencia profesional",
            "Formación académica",
            "Competencias",
            "Idiomas",
            "Aficiones",
        ),
        fields=("Dirección", "Teléfono", "Correo electrónico", "Fecha de nacimiento"),
        roles=_split(
            "Jefa de proyecto|Desarrollador de software|Responsable comercial|Coordinador de "
            "logística|Técnica de marketing|Contable"
        ),
        achievements=(
            "Dirección de un equipo de {n} personas",
            "Gestión de un presupuesto de {money}",
            "Implantación de un nuevo sistema ERP",
            "Atención a clientes clave",
            "Elaboración de cierres contables mensuales",
            "Mejora de los procesos de almacén",
        ),
        degrees=(
            "Grado en Administración y Dirección de Empresas, Universidad de {city}",
            "Máster en Ingeniería Informática, Universidad de {city}",
            "Técnico Superior en Comercio Internacional, {city}",
        ),
        skills=(
            "Microsoft Office (avanzado)",
            "SAP",
            "Python, SQL",
            "Gestión de proyectos",
            "Carné de conducir B",
        ),
        languages=("Español (nativo)", "Inglés (C1)", "Francés (B1)", "Alemán (A2)"),
        interests=("Correr, cocinar, voluntariado", "Fotografía, senderismo, teatro"),
        present="actualidad",
    ),
}


def resume_foreign(fill: Fill) -> Doc:
    """A CV in German, French or Spanish."""
    words = _RESUME_FOREIGN[fill.language]
    name = fill.person()
    personal, experience, education, skills, languages, interests = words.sections
    address, phone, email, birth = words.fields
    blocks: list[Block] = [
        heading(personal),
        table(
            [
                [address, ", ".join(fill.address())],
                [phone, fill.phone()],
                [email, fill.email(name)],
                [birth, fill.date(fill.day(1965, 2001))],
            ]
        ),
        heading(experience),
    ]
    end = fill.day(2021, 2024)
    for index in range(fill.by_size((1, 2), (2, 3), (4, 6))):
        start = end - dt.timedelta(days=fill.rng.randint(300, 1800))
        period = (
            f"{fill.month_year(start)} - {words.present if index == 0 else fill.month_year(end)}"
        )
        blocks += [
            lines(f"{period}  {fill.pick(words.roles)}, {fill.company()}, {fill.city()}"),
            bullets([fill.fmt(a) for a in fill.some(words.achievements, 2, 4)]),
        ]
        end = start
    blocks += [
        heading(education),
        lines(*(fill.fmt(d) for d in fill.some(words.degrees, 1, 2))),
        heading(skills),
        bullets(fill.some(words.skills, 3, 5)),
        heading(languages),
        lines(*words.languages[:1], *fill.some(words.languages[1:], 1, 3)),
    ]
    if fill.rng.random() < 0.5:
        blocks += [heading(interests), para(fill.pick(words.interests))]
    return _doc(fill, f"{words.title} – {name}", blocks, author=name, organisation=name)


# --- other: documents that are none of the labels ---------------------------------------

_RECIPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Lentil and spinach soup": (
        (
            "250 g red lentils",
            "1 onion, chopped",
            "2 garlic cloves, crushed",
            "1 litre vegetable stock",
            "200 g fresh spinach",
            "1 tbsp olive oil",
            "1 tsp ground cumin",
            "Juice of half a lemon",
        ),
        (
            "Heat the oil in a large pan and soften the onion for five minutes.",
            "Add the garlic and cumin and cook for one minute more.",
            "Stir in the lentils and stock, bring to the boil and simmer for 20 minutes.",
            "Add the spinach and let it wilt, then blend until smooth.",
            "Season with salt, pepper and lemon juice, and serve with crusty bread.",
        ),
    ),
    "Lemon drizzle cake": (
        (
            "225 g softened butter",
            "225 g caster sugar",
            "4 eggs",
            "225 g self-raising flour",
            "Zest of 2 lemons",
            "For the drizzle: juice of 1.5 lemons and 85 g sugar",
        ),
        (
            "Heat the oven to 180°C (160°C fan) and line a loaf tin.",
            "Beat the butter and sugar until pale, then beat in the eggs one at a time.",
            "Fold in the flour and lemon zest, and spoon the mixture into the tin.",
            "Bake for 45-50 minutes, until a skewer comes out clean.",
            "Mix the lemon juice and sugar and pour over the warm cake.",
        ),
    ),
    "Chicken and chickpea tagine": (
        (
            "8 chicken thighs",
            "1 can chickpeas, drained",
            "1 can chopped tomatoes",
            "2 onions, sliced",
            "2 tsp ras el hanout",
            "100 g dried apricots",
            "Fresh coriander",
        ),
        (
            "Brown the chicken in batches in a heavy casserole and set aside.",
            "Fry the onions until soft, then add the spice and cook for a minute.",
            "Return the chicken with the tomatoes, apricots and a glass of water.",
            "Cover and simmer gently for 40 minutes, adding the chickpeas for the last ten.",
            "Scatter with coriander and serve with couscous.",
        ),
    ),
    "Mushroom risotto": (
        (
            "300 g arborio rice",
            "250 g chestnut mushrooms, sliced",
            "1 shallot, finely chopped",
            "1.2 litres hot stock",
            "100 ml white wine",
            "50 g parmesan, grated",
            "30 g butter",
        ),
        (
            "Fry the mushrooms in half the butter until golden, then set aside.",
            "Soften the shallot, add the rice and stir for two minutes.",
            "Pour in the wine and let it bubble away.",
            "Add the stock a ladle at a time, stirring, for about 18 minutes.",
            "Stir in the mushrooms, the rest of the butter and the parmesan; rest for two minutes.",
        ),
    ),
    "Banana pancakes": (
        (
            "2 ripe bananas",
            "2 eggs",
            "100 g plain flour",
            "1 tsp baking powder",
            "150 ml milk",
            "Butter for frying",
            "Maple syrup to serve",
        ),
        (
            "Mash the bananas in a bowl and whisk in the eggs and milk.",
            "Add the flour and baking powder and mix to a thick batter.",
            "Fry spoonfuls in a little butter for two minutes on each side.",
            "Keep warm while you cook the rest, and serve with maple syrup.",
        ),
    ),
    "Roast vegetable traybake": (
        (
            "2 red peppers",
            "1 aubergine",
            "2 courgettes",
            "1 red onion",
            "200 g feta",
            "3 tbsp olive oil",
            "1 tsp dried oregano",
        ),
        (
            "Heat the oven to 200°C.",
            "Cut the vegetables into chunks and toss them with the oil and oregano.",
            "Roast for 35 minutes, turning once.",
            "Crumble over the feta and return to the oven for five minutes.",
        ),
    ),
}


def other_recipe(fill: Fill) -> Doc:
    """A recipe: serves, times, ingredients, method, a tip."""
    name = fill.pick(sorted(_RECIPES))
    ingredients, method = _RECIPES[name]
    blocks: list[Block] = [
        lines(
            f"Serves {fill.rng.randint(2, 8)}",
            f"Preparation: {fill.rng.choice((10, 15, 20, 25))} minutes",
            f"Cooking: {fill.rng.choice((15, 20, 30, 45, 60))} minutes",
        ),
        heading("Ingredients"),
        bullets(ingredients),
        heading("Method"),
        steps(method),
    ]
    if fill.rng.random() < 0.6:
        blocks += [
            heading("Tip"),
            para(
                fill.pick(
                    (
                        "This keeps for three days in the fridge and freezes well.",
                        "For a vegan version, leave out the dairy and use oil instead.",
                        "Double the quantities for a crowd; the cooking time stays the same.",
                        f"Recipe from {fill.first_name()[0]}'s kitchen notebook.",
                    )
                )
            ),
        ]
    return _doc(fill, name, blocks)


_GROCERIES: dict[str, tuple[str, ...]] = {
    "Fruit and veg": _split(
        "apples|bananas|2 lemons|spinach|onions|garlic|tomatoes|carrots|potatoes (2 kg)|broccoli|"
        "avocados"
    ),
    "Dairy": _split("milk (2 l)|butter|cheddar|natural yoghurt|eggs (12)|cream"),
    "Cupboard": _split(
        "pasta|rice|tinned tomatoes|olive oil|coffee|tea bags|cereal|peanut butter|honey|flour"
    ),
    "Household": _split(
        "washing-up liquid|bin bags|toilet roll|kitchen roll|light bulbs (E27)|batteries AA"
    ),
}
_PACKING: dict[str, tuple[str, ...]] = {
    "Clothes": _split("t-shirts x5|jumper|rain jacket|walking boots|swimming things|socks|pyjamas"),
    "Toiletries": _split("toothbrush|toothpaste|sun cream|shampoo|plasters|insect repellent"),
    "Documents": _split("passports|tickets|insurance card|driving licence|booking confirmation"),
    "Gadgets": _split("phone charger|travel adapter|headphones|camera|power bank"),
}


def other_list(fill: Fill) -> Doc:
    """A shopping list or a packing list."""
    groups = _GROCERIES if fill.rng.random() < 0.6 else _PACKING
    blocks: list[Block] = []
    for group in fill.some(sorted(groups), 2, len(groups)):
        blocks += [heading(group), bullets(fill.some(groups[group], 2, 7))]
    if groups is _GROCERIES:
        title = fill.pick(("Shopping list", "Groceries", "To buy this week", "Big shop - Saturday"))
    else:
        title = fill.pick(
            (f"Packing list - {fill.city()} trip", "Packing list", "Holiday checklist")
        )
    return _doc(fill, title, blocks)


_SPEC_PRODUCTS = (
    (
        "LED high-bay luminaire",
        (
            "Die-cast aluminium housing for efficient heat dissipation",
            "Impact-resistant polycarbonate lens",
            "Flicker-free driver",
            "Optional motion sensor",
        ),
    ),
    (
        "stainless steel worktable",
        (
            "Grade 304 stainless steel top",
            "Adjustable feet",
            "Undershelf for storage",
            "Supplied flat-packed",
        ),
    ),
    (
        "ergonomic office chair",
        (
            "Synchronous tilt mechanism",
            "Adjustable lumbar support",
            "4D armrests",
            "Breathable mesh back",
        ),
    ),
    (
        "portable power station",
        (
            "Pure sine wave inverter",
            "Two AC outlets and four USB ports",
            "Solar charging input",
            "LCD status display",
        ),
    ),
    (
        "ceiling fan",
        ("Reversible DC motor", "Six speeds", "Remote control included", "Integrated LED light"),
    ),
    (
        "garden hose reel",
        (
            "Powder-coated steel frame",
            "Anti-kink guide",
            "Brass fittings",
            "Wall or floor mounting",
        ),
    ),
)


def other_spec_sheet(fill: Fill) -> Doc:
    """A product specification sheet: data table, features, ordering codes."""
    kind, features = fill.pick(_SPEC_PRODUCTS)
    brand = fill.pick(_BRANDS)
    model = f"{brand[:2].upper()}{fill.rng.randint(100, 9900)}"
    data = [
        ["Property", "Value"],
        ["Model", model],
        [
            "Dimensions (W x D x H)",
            f"{fill.rng.randint(20, 180)} x {fill.rng.randint(20, 90)} x "
            f"{fill.rng.randint(10, 120)} cm",
        ],
        ["Weight", f"{fill.decimal(fill.rng.uniform(0.8, 60), 1)} kg"],
        [
            "Material",
            fill.pick(
                ("Aluminium", "Stainless steel 304", "Polypropylene", "Powder-coated steel", "ABS")
            ),
        ],
        ["Power supply", fill.pick(("220-240 V AC, 50 Hz", "100-240 V AC, 50/60 Hz", "n/a"))],
        ["Power consumption", f"{fill.rng.randint(5, 400)} W"],
        ["Protection rating", fill.pick(("IP20", "IP44", "IP65", "IP66"))],
        ["Operating temperature", f"-{fill.rng.randint(5, 30)} to +{fill.rng.randint(35, 50)} °C"],
        ["Colours", fill.pick(("black, white", "silver", "anthracite, white, grey", "green"))],
        ["Certifications", fill.pick(("CE, RoHS", "CE, UKCA, RoHS", "UL, CE"))],
        ["EAN", "".join(str(fill.rng.randrange(10)) for _ in range(13))],
    ]
    blocks: list[Block] = [
        heading("Technical data"),
        table(data[: fill.by_size((5, 7), (8, 10), (12, 12))]),
        heading("Features"),
        bullets(fill.some(features, 2, 4)),
    ]
    if fill.size != "short":
        blocks += [
            heading("Ordering information"),
            table(
                [
                    ["Article no.", "Variant", "Pack"],
                    *(
                        [f"{model}-{suffix}", variant, str(fill.rng.choice((1, 2, 4, 10)))]
                        for suffix, variant in (("BK", "black"), ("WH", "white"), ("XL", "large"))[
                            : fill.rng.randint(1, 3)
                        ]
                    ),
                ]
            ),
        ]
    blocks.append(para("Specifications are subject to change without notice."))
    return _doc(fill, f"{brand} {kind.title()} {model} - Product Data Sheet", blocks)


_PROGRAMME_ITEMS = _split(
    "Brass band in the park|Children's craft workshop"
    "|Guided walk along the canal|Cooking demonstration|Lunch break|Panel: The future of the "
    "high street|Quiz night|Fireworks|Local choirs|Dog show|Farmers' market|Storytelling for "
    "under-8s|Live jazz on the terrace|Prize draw|Open studios|Talk: Two hundred years of the mill"
)


def other_programme(fill: Fill) -> Doc:
    """An event programme: days, times, events and venues, practical information."""
    city = fill.city()
    event = fill.pick(
        (
            f"{city} Summer Festival",
            f"{city} Food and Music Weekend",
            "Open Day",
            "Village Fête",
            "Members' Day",
        )
    )
    year = fill.rng.randint(2015, 2025)
    blocks: list[Block] = []
    days = fill.some_in_order(
        ("Friday", "Saturday", "Sunday"),
        *{"short": (1, 1), "medium": (2, 2), "long": (3, 3)}[fill.size],
    )
    for number, day in enumerate(days):
        hour = fill.rng.randint(9, 12)
        rows = [["Time", "Event", "Where"]]
        opening = ["Doors open", "Welcome and opening remarks"] if number == 0 else []
        for item in opening + fill.some(_PROGRAMME_ITEMS, 4, 9):
            rows.append(
                [
                    f"{hour:02d}:{fill.pick(('00', '15', '30', '45'))}",
                    item,
                    fill.pick(
                        (
                            "Main stage",
                            "Market square",
                            "Town hall",
                            "Library",
                            "Bandstand",
                            "Marquee 2",
                        )
                    ),
                ]
            )
            hour = min(hour + fill.rng.randint(1, 2), 22)
        blocks += [heading(day), table(rows)]
    blocks.append(
        para(
            fill.pick(
                (
                    "Tickets are available at the gate or online. Under-12s go free.",
                    "Entry is free. Some workshops must be booked in advance.",
                    "The programme may change at short notice; see the notice board on the day.",
                )
            )
            + " "
            + fill.pick(
                (
                    "Parking is available at the leisure centre.",
                    "Please bring your own cup.",
                    "Dogs on leads are welcome.",
                )
            )
        )
    )
    return _doc(fill, f"{event} {year} - Programme", blocks)


_MENU: dict[str, tuple[tuple[str, str], ...]] = {
    "Starters": (
        ("Roasted tomato soup", "basil oil, sourdough"),
        ("Salt and pepper squid", "lime mayonnaise"),
        ("Burrata", "peach, rocket, hazelnuts"),
        ("Chicken liver pâté", "toast, chutney"),
    ),
    "Mains": (
        ("Pan-fried sea bass", "crushed potatoes, salsa verde"),
        ("Slow-cooked beef shin", "mash, greens"),
        ("Wild mushroom risotto", "parmesan, truffle oil"),
        ("Chickpea and spinach curry", "rice, flatbread"),
        ("Steak and chips", "peppercorn sauce"),
    ),
    "Desserts": (
        ("Sticky toffee pudding", "vanilla ice cream"),
        ("Lemon tart", "crème fraîche"),
        ("Chocolate brownie", "salted caramel"),
        ("Cheese board", "crackers, grapes"),
    ),
}


_RESTAURANTS = _split("Anchor|Old Forge|Olive Tree|Harbour|Green Door")
_PRICES = {"Starters": (5.5, 11.0), "Mains": (12.5, 28.0), "Desserts": (5.0, 9.5)}


def other_menu(fill: Fill) -> Doc:
    """A restaurant menu with prices."""
    name = f"The {fill.pick(_RESTAURANTS)} {fill.pick(('Bistro', 'Kitchen', 'Café', 'Brasserie'))}"
    blocks: list[Block] = []
    for course, dishes in _MENU.items():
        blocks.append(heading(course))
        blocks.append(
            lines(
                *(
                    f"{dish} - {note} ... {fill.decimal(fill.rng.uniform(*_PRICES[course]), 2)}"
                    for dish, note in fill.some(dishes, 2, len(dishes))
                )
            )
        )
    blocks.append(
        para(
            "Please tell your server about any allergies. A discretionary service charge of 12.5% "
            "is added to tables of six or more."
        )
    )
    return _doc(fill, name, blocks)


@dataclass(frozen=True)
class _RecipeWords:
    serves: str
    time: str
    ingredients: str
    method: str
    tip: str
    dishes: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]


_RECIPE_FOREIGN: dict[str, _RecipeWords] = {
    "de": _RecipeWords(
        serves="Für {n} Personen",
        time="Zubereitungszeit: {m} Minuten",
        ingredients="Zutaten",
        method="Zubereitung",
        tip="Tipp: Schmeckt am nächsten Tag noch besser.",
        dishes=(
            (
                "Linsensuppe mit Spinat",
                (
                    "250 g rote Linsen",
                    "1 Zwiebel",
                    "2 Knoblauchzehen",
                    "1 l Gemüsebrühe",
                    "200 g frischer Spinat",
                    "1 EL Olivenöl",
                    "Salz, Pfeffer, Kreuzkümmel",
                ),
                (
                    "Zwiebel und Knoblauch fein hacken und im Öl glasig dünsten.",
                    "Linsen und Gewürze zugeben und kurz mitrösten.",
                    "Mit der Brühe ablöschen und etwa 20 Minuten köcheln lassen.",
                    "Den Spinat unterrühren und zusammenfallen lassen.",
                    "Mit Salz und Pfeffer abschmecken und heiß servieren.",
                ),
            ),
            (
                "Apfelkuchen vom Blech",
                (
                    "500 g Mehl",
                    "250 g Butter",
                    "200 g Zucker",
                    "4 Eier",
                    "1 Päckchen Backpulver",
                    "1,5 kg Äpfel",
                    "Zimt",
                ),
                (
                    "Den Backofen auf 180 °C vorheizen.",
                    "Butter, Zucker und Eier schaumig schlagen.",
                    "Mehl und Backpulver unterrühren und den Teig auf ein gefettetes Blech "
                    "streichen.",
                    "Die Äpfel schälen, in Spalten schneiden und auf dem Teig verteilen.",
                    "Mit Zimt bestreuen und etwa 40 Minuten backen.",
                ),
            ),
        ),
    ),
    "fr": _RecipeWords(
        serves="Pour {n} personnes",
        time="Temps de préparation : {m} min",
        ingredients="Ingrédients",
        method="Préparation",
        tip="Astuce : servez avec du pain de campagne grillé.",
        dishes=(
            (
                "Soupe de lentilles aux épinards",
                (
                    "250 g de lentilles corail",
                    "1 oignon",
                    "2 gousses d'ail",
                    "1 l de bouillon de légumes",
                    "200 g d'épinards frais",
                    "1 c. à soupe d'huile d'olive",
                    "Sel, poivre, cumin",
                ),
                (
                    "Émincer l'oignon et l'ail et les faire revenir dans l'huile.",
                    "Ajouter les lentilles et le cumin, mélanger une minute.",
                    "Verser le bouillon et laisser mijoter 20 minutes.",
                    "Incorporer les épinards et laisser fondre.",
                    "Saler, poivrer et servir bien chaud.",
                ),
            ),
            (
                "Gâteau aux pommes",
                (
                    "200 g de farine",
                    "150 g de sucre",
                    "3 œufs",
                    "100 g de beurre fondu",
                    "1 sachet de levure",
                    "4 pommes",
                ),
                (
                    "Préchauffer le four à 180 °C.",
                    "Mélanger les œufs et le sucre, puis ajouter le beurre fondu.",
                    "Incorporer la farine et la levure.",
                    "Ajouter les pommes coupées en dés et verser dans un moule beurré.",
                    "Enfourner pour 40 minutes.",
                ),
            ),
        ),
    ),
    "es": _RecipeWords(
        serves="Para {n} personas",
        time="Tiempo de preparación: {m} minutos",
        ingredients="Ingredientes",
        method="Preparación",
        tip="Consejo: se conserva bien en la nevera hasta tres días.",
        dishes=(
            (
                "Sopa de lentejas con espinacas",
                (
                    "250 g de lentejas rojas",
                    "1 cebolla",
                    "2 dientes de ajo",
                    "1 l de caldo de verduras",
                    "200 g de espinacas frescas",
                    "1 cucharada de aceite de oliva",
                    "Sal, pimienta y comino",
                ),
                (
                    "Picar la cebolla y el ajo y sofreírlos en el aceite.",
                    "Añadir las lentejas y el comino y rehogar un minuto.",
                    "Verter el caldo y cocer a fuego lento durante 20 minutos.",
                    "Incorporar las espinacas y dejar que se ablanden.",
                    "Salpimentar y servir caliente.",
                ),
            ),
            (
                "Bizcocho de manzana",
                (
                    "200 g de harina",
                    "150 g de azúcar",
                    "3 huevos",
                    "100 ml de aceite de girasol",
                    "1 sobre de levadura",
                    "3 manzanas",
                ),
                (
                    "Precalentar el horno a 180 °C.",
                    "Batir los huevos con el azúcar hasta que blanqueen.",
                    "Añadir el aceite, la harina y la levadura.",
                    "Incorporar las manzanas en dados y verter en un molde engrasado.",
                    "Hornear durante 40 minutos.",
                ),
            ),
        ),
    ),
}


def other_foreign(fill: Fill) -> Doc:
    """A recipe in German, French or Spanish."""
    words = _RECIPE_FOREIGN[fill.language]
    name, ingredients, method = fill.pick(words.dishes)
    blocks: list[Block] = [
        lines(
            fill.fmt(words.serves, n=str(fill.rng.randint(2, 6))),
            fill.fmt(words.time, m=str(fill.rng.choice((20, 30, 45)))),
        ),
        heading(words.ingredients),
        bullets(ingredients),
        heading(words.method),
        steps(method),
    ]
    if fill.rng.random() < 0.5:
        blocks.append(para(words.tip))
    return _doc(fill, name, blocks)


# --- which templates write which label ----------------------------------------------------

Template = Callable[[Fill], Doc]


@dataclass(frozen=True)
class LabelTemplates:
    """A label's English templates (used in turn) and the one that writes de, fr and es."""

    english: tuple[Template, ...]
    foreign: Template


TEMPLATES: dict[str, LabelTemplates] = {
    "invoice": LabelTemplates((invoice_trade, invoice_services, invoice_utility), invoice_foreign),
    "contract": LabelTemplates(
        (contract_services, contract_lease, contract_employment, contract_nda), contract_foreign
    ),
    "financial_report": LabelTemplates(
        (financial_quarterly, financial_annual, financial_budget), financial_foreign
    ),
    "correspondence": LabelTemplates(
        (
            correspondence_letter,
            correspondence_memo,
            correspondence_personal,
            correspondence_support,
        ),
        correspondence_foreign,
    ),
    "academic_paper": LabelTemplates((paper_empirical, paper_review, paper_short), paper_foreign),
    "manual": LabelTemplates(
        (manual_product, manual_software, manual_procedure, manual_quickstart), manual_foreign
    ),
    "legal_text": LabelTemplates((legal_statute, legal_judgment, legal_ordinance), legal_foreign),
    "literature": LabelTemplates(
        (literature_story, literature_poems, literature_chapter, literature_play),
        literature_foreign,
    ),
    "news_article": LabelTemplates(
        (news_general, news_sport, news_science, news_brief), news_foreign
    ),
    "resume": LabelTemplates(
        (resume_chronological, resume_technical, resume_academic), resume_foreign
    ),
}
# The fallback label (whatever labels.json calls it): documents that fit none of the labels.
FALLBACK_TEMPLATES = LabelTemplates(
    (other_recipe, other_list, other_spec_sheet, other_programme, other_menu), other_foreign
)


# --- noise --------------------------------------------------------------------------------

_HEADERS: dict[str, tuple[str, ...]] = {
    "page": (
        "CONFIDENTIAL",
        "Internal use only",
        "Printed {date} {hh}:{mm} by {user}",
        "Scanned with MobileScan Pro",
        "DRAFT - not for circulation",
        "Copy {n} of {n}",
        "Ref. {ref}",
        "Downloaded from the document portal on {date}",
    ),
    "html": (
        "Home | About us | Services | News | Contact | Search",
        "We use cookies to improve your experience. Accept all | Manage settings",
        "Skip to main content | Sign in | Register",
    ),
    "eml": (
        "CAUTION: This e-mail originated from outside the organisation. Do not click links or "
        "open attachments unless you recognise the sender.",
        "[EXTERNAL]",
        "This message was scanned for viruses by MailGuard.",
    ),
}
_FOOTERS: dict[str, tuple[str, ...]] = {
    "page": (
        "{company} · Registered in England No. {big} · VAT GB {big}",
        "This document is intended only for the addressee.",
        "Printed on recycled paper",
        "© {year} {company}. All rights reserved.",
        "Page generated by DocuServe 4.2",
    ),
    "html": (
        "© {year} {company} | Privacy policy | Terms of use | Cookie settings | Accessibility",
        "Follow us on social media | Sign up for our newsletter",
    ),
    "eml": (
        "This e-mail and any attachments are confidential and may be privileged. If you are not "
        "the intended recipient, please notify the sender and delete it.",
        "Please consider the environment before printing this e-mail.",
        "Sent from my phone",
    ),
}
_OCR_SWAPS = (
    ("rn", "m"),
    ("m", "rn"),
    ("l", "1"),
    ("I", "l"),
    ("O", "0"),
    ("o", "0"),
    ("e", "c"),
    ("S", "5"),
    ("B", "8"),
    ("cl", "d"),
    ("h", "b"),
    ("i", "í"),
    (".", ","),
    (" ", ""),
    ("a", "o"),
    ("t", "f"),
)


def _typos(text: str, rng: random.Random, rate: float) -> str:
    words = text.split(" ")
    for index, word in enumerate(words):
        if len(word) > 3 and word.isalpha() and rng.random() < rate:
            at = rng.randrange(len(word) - 1)
            kind = rng.randrange(3)
            if kind == 0:
                word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
            elif kind == 1:
                word = word[:at] + word[at + 1 :]
            else:
                word = word[:at] + word[at] + word[at:]
            words[index] = word
    return " ".join(words)


def _ocr(text: str, rng: random.Random, rate: float) -> str:
    out: list[str] = []
    position = 0
    while position < len(text):
        if rng.random() < rate:
            for source, target in _OCR_SWAPS:
                if text.startswith(source, position):
                    out.append(target)
                    position += len(source)
                    break
            else:
                out.append(text[position])
                position += 1
        else:
            out.append(text[position])
            position += 1
    return "".join(out)


def _whitespace(text: str, rng: random.Random) -> str:
    def space(_: re.Match[str]) -> str:
        roll = rng.random()
        return "  " if roll < 0.06 else ("\t" if roll < 0.07 else (" \n" if roll < 0.09 else " "))

    return re.sub(" ", space, text) + (" " * rng.randint(0, 3))


def _map_text(blocks: Sequence[Block], change: Callable[[str], str]) -> tuple[Block, ...]:
    return tuple(
        replace(
            block,
            text=change(block.text) if block.text else "",
            items=tuple(change(item) for item in block.items),
            rows=tuple(tuple(change(cell) for cell in row) for row in block.rows),
        )
        for block in blocks
    )


def add_noise(doc: Doc, kinds: Sequence[str], format_: str, rng: random.Random) -> Doc:
    """The document with the given kinds of noise (see NOISE_KINDS) applied."""
    blocks = doc.blocks
    if "typos" in kinds:
        rate = rng.uniform(0.01, 0.05)
        blocks = _map_text(blocks, lambda text: _typos(text, rng, rate))
    if "ocr" in kinds:
        rate = rng.uniform(0.005, 0.03)
        blocks = _map_text(blocks, lambda text: _ocr(text, rng, rate))
    if "whitespace" in kinds:
        blocks = tuple(
            replace(block, text=_whitespace(block.text, rng))
            if block.kind == "paragraph"
            else block
            for block in blocks
        )
    header = footer = ""
    if "boilerplate" in kinds:
        pools = format_ if format_ in ("html", "eml") else "page"
        fill = Fill(rng, "en")
        values = {
            "hh": f"{rng.randint(7, 19):02d}",
            "mm": f"{rng.randint(0, 59):02d}",
            "user": _ascii_slug(fill.person()).replace("-", "."),
            "company": doc.organisation,
        }
        header = fill.fmt(fill.pick(_HEADERS[pools]), **values) if rng.random() < 0.8 else ""
        footer = (
            fill.fmt(fill.pick(_FOOTERS[pools]), **values)
            if rng.random() < 0.8 or not header
            else ""
        )
    return replace(doc, blocks=blocks, header=header, footer=footer)


# --- renderers: one Doc, five formats -----------------------------------------------------


def _fixed_time(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=dt.UTC)


def _text_table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [min(40, max(len(row[i]) for row in rows)) for i in range(len(rows[0]))]
    out = []
    for number, row in enumerate(rows):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if number == 0 and len(rows) > 2:
            out.append("  ".join("-" * width for width in widths))
    return out


def _plain_lines(doc: Doc, rng: random.Random, *, with_title: bool = True) -> list[str]:
    width = rng.choice((0, 72, 78, 100))  # 0: one line per paragraph
    bullet = rng.choice(("-", "*", "•"))
    underline = rng.choice(("=", "-", ""))

    def wrap(text: str, indent: str = "") -> list[str]:
        if not width:
            return [indent + text]
        return textwrap.wrap(
            text,
            width,
            initial_indent=indent,
            subsequent_indent=" " * len(indent),
            break_on_hyphens=False,
        ) or [""]

    out: list[str] = []
    if doc.title and with_title:
        title = doc.title.upper() if not underline else doc.title
        out += [title, underline * len(title)] if underline else [title]
        out.append("")
    for block in doc.blocks:
        if block.kind == "heading":
            out += [block.text, (underline or "-") * len(block.text) if rng.random() < 0.3 else ""]
            if out[-1] == "":
                out.pop()
        elif block.kind == "paragraph":
            out += wrap(block.text)
        elif block.kind == "lines":
            out += list(block.items)
        elif block.kind == "bullets":
            for item in block.items:
                out += wrap(item, f"{bullet} ")
        elif block.kind == "numbered":
            for number, item in enumerate(block.items, start=1):
                out += wrap(item, f"{number}. ")
        elif block.kind == "table":
            out += _text_table(block.rows)
        out.append("")
    return out


def render_txt(doc: Doc, rng: random.Random) -> bytes:
    """Plain UTF-8 text; wrapped or not, with a running header and page marks when noisy."""
    body = _plain_lines(doc, rng)
    out: list[str] = []
    if doc.header:
        out += [doc.header, ""]
    page = 1
    for number, line in enumerate(body, start=1):
        out.append(line)
        if (doc.header or doc.footer) and number % 58 == 0:
            out += ["", f"{doc.footer}   - {page} -".strip(), "\f" + doc.header]
            page += 1
    if doc.footer:
        out += ["", doc.footer]
    newline = "\r\n" if rng.random() < 0.25 else "\n"
    return (newline.join(out).rstrip() + newline).encode("utf-8")


def _html_body(doc: Doc, *, with_title: bool = True) -> list[str]:
    esc = html.escape
    parts: list[str] = []
    if doc.title and with_title:
        parts.append(f"<h1>{esc(doc.title)}</h1>")
    for block in doc.blocks:
        if block.kind == "heading":
            parts.append(f"<h2>{esc(block.text)}</h2>")
        elif block.kind == "paragraph":
            parts.append(f"<p>{esc(block.text)}</p>")
        elif block.kind == "lines":
            parts.append("<p>" + "<br>\n".join(esc(item) for item in block.items) + "</p>")
        elif block.kind in ("bullets", "numbered"):
            tag = "ul" if block.kind == "bullets" else "ol"
            parts.append(
                f"<{tag}>" + "".join(f"<li>{esc(item)}</li>" for item in block.items) + f"</{tag}>"
            )
        elif block.kind == "table":
            head, *rows = block.rows
            parts.append(
                "<table>\n<thead><tr>"
                + "".join(f"<th>{esc(cell)}</th>" for cell in head)
                + "</tr></thead>\n<tbody>\n"
                + "\n".join(
                    "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
                    for row in rows
                )
                + "\n</tbody>\n</table>"
            )
    return parts


def render_html(doc: Doc, rng: random.Random) -> bytes:
    """An HTML page: the title in <title> and <h1>, site chrome around it when noisy."""
    esc = html.escape
    wrapper = rng.choice(("main", "article", "div"))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{doc.language}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(doc.title or doc.subject)}</title>",
        "<style>body { font-family: sans-serif; max-width: 48em; margin: auto; }</style>",
        "</head>",
        "<body>",
    ]
    if doc.header:
        parts.append(f"<header><nav>{esc(doc.header)}</nav></header>")
    parts += [f"<{wrapper}>", *_html_body(doc), f"</{wrapper}>"]
    if doc.footer:
        parts.append(f"<footer><p>{esc(doc.footer)}</p></footer>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


def _cp1252(text: str) -> str:
    # The standard Type1 fonts are written in WinAnsi (cp1252): anything outside it becomes "?".
    return text.encode("cp1252", "replace").decode("cp1252")


class _Pdf(FPDF):
    def __init__(self, header_text: str, footer_text: str, numbered: bool) -> None:
        super().__init__(format="A4")
        self.header_text = _cp1252(header_text)
        self.footer_text = _cp1252(footer_text)
        self.numbered = numbered

    def header(self) -> None:
        if self.header_text:
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 5, self.header_text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(3)

    def footer(self) -> None:
        if not (self.footer_text or self.numbered):
            return
        self.set_y(-14)
        self.set_font("Helvetica", "I", 8)
        page = f"Page {self.page_no()} of {{nb}}" if self.numbered else ""
        self.cell(0, 6, "   ".join(part for part in (self.footer_text, page) if part), align="C")


def render_pdf(doc: Doc, rng: random.Random) -> bytes:
    """A PDF with a text layer in a standard Type1 font; pages as the text needs them."""
    pdf = _Pdf(doc.header, doc.footer, numbered=rng.random() < 0.5)
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(_fixed_time(doc.day))
    pdf.set_author(_cp1252(doc.author))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    family = rng.choice(("Helvetica", "Helvetica", "Times", "Courier"))
    size = rng.choice((10.0, 10.5, 11.0, 12.0)) - (1.0 if family == "Courier" else 0.0)
    height = size * 0.5
    pdf.add_page()

    def write(text: str, style: str = "", scale: float = 1.0, indent: float = 0.0) -> None:
        pdf.set_font(family, style, size * scale)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, height * scale, _cp1252(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if doc.title:
        write(doc.title, "B", 1.45)
        pdf.ln(height)
    for block in doc.blocks:
        if block.kind == "heading":
            pdf.ln(height * 0.5)
            write(block.text, "B", 1.1)
        elif block.kind == "paragraph":
            write(block.text)
        elif block.kind == "lines":
            for item in block.items:
                write(item)
        elif block.kind == "bullets":
            for item in block.items:
                write(f"- {item}", indent=4)
        elif block.kind == "numbered":
            for number, item in enumerate(block.items, start=1):
                write(f"{number}. {item}", indent=4)
        elif block.kind == "table":
            pdf.set_font(family, "", size * 0.9)
            columns = len(block.rows[0])
            weights = [
                max(4, min(40, max(len(row[i]) for row in block.rows))) for i in range(columns)
            ]
            with pdf.table(
                col_widths=weights,
                text_align="LEFT",
                line_height=height * 0.95,
                first_row_as_headings=len(block.rows) > 2,
            ) as grid:
                for row in block.rows:
                    cells = grid.row()
                    for cell in row:
                        cells.cell(_cp1252(cell))
        pdf.ln(height * 0.6)
    return bytes(pdf.output())


def _normalised_zip(data: bytes) -> bytes:
    """The same ZIP with fixed entry times and attributes, so equal content is equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return buffer.getvalue()


def render_docx(doc: Doc, rng: random.Random) -> bytes:
    """A DOCX written with python-docx: headings, lists, tables, header and footer parts."""
    document = docx.Document()
    properties = document.core_properties
    properties.author = doc.author
    properties.last_modified_by = doc.author
    properties.title = doc.title or doc.subject
    properties.created = properties.modified = _fixed_time(doc.day).replace(tzinfo=None)
    properties.revision = 1
    section = document.sections[0]
    if doc.header:
        section.header.paragraphs[0].text = doc.header
    if doc.footer:
        section.footer.paragraphs[0].text = doc.footer
    if doc.title:
        if rng.random() < 0.6:
            document.add_heading(doc.title, level=0)
        else:
            document.add_paragraph().add_run(doc.title).bold = True
    for block in doc.blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=1)
        elif block.kind == "paragraph":
            document.add_paragraph(block.text)
        elif block.kind == "lines":
            document.add_paragraph("\n".join(block.items))
        elif block.kind in ("bullets", "numbered"):
            style = "List Bullet" if block.kind == "bullets" else "List Number"
            for item in block.items:
                document.add_paragraph(item, style=style)
        elif block.kind == "table":
            grid = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            grid.style = "Table Grid"
            for row, values in zip(grid.rows, block.rows, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalised_zip(buffer.getvalue())


def render_eml(doc: Doc, rng: random.Random) -> bytes:
    """An e-mail: the document as the plain body (and an HTML alternative for some)."""
    fill = Fill(rng, doc.language)
    recipient = fill.person()
    message = EmailMessage()
    message["From"] = formataddr((doc.author, fill.email(doc.author, doc.organisation)))
    message["To"] = formataddr((recipient, fill.email(recipient, fill.company())))
    subject = doc.subject or doc.title or ""
    message["Subject"] = ("[EXTERNAL] " if doc.header == "[EXTERNAL]" else "") + subject
    message["Date"] = format_datetime(_fixed_time(doc.day))
    digest = hashlib.sha256(f"{subject}|{doc.author}|{doc.day}|{rng.random()}".encode()).hexdigest()
    message["Message-ID"] = f"<{digest[:24]}@{_ascii_slug(doc.organisation) or 'mail'}.example>"
    lines_ = _plain_lines(doc, rng, with_title=doc.title is not None and rng.random() < 0.5)
    banner = [doc.header, ""] if doc.header and doc.header != "[EXTERNAL]" else []
    footer = ["", "--", doc.footer] if doc.footer else []
    message.set_content("\n".join(banner + lines_ + footer).rstrip() + "\n")
    if rng.random() < 0.35:
        body = "\n".join(_html_body(doc, with_title=False))
        message.add_alternative(f"<html><body>\n{body}\n</body></html>\n", subtype="html")
        message.set_boundary(f"==docpipe-{digest[24:48]}==")
    return message.as_bytes()


RENDERERS: dict[str, Callable[[Doc, random.Random], bytes]] = {
    "pdf": render_pdf,
    "docx": render_docx,
    "html": render_html,
    "txt": render_txt,
    "eml": render_eml,
}


# --- the set: plan, generate, split, write --------------------------------------------------


@dataclass(frozen=True)
class PlannedDocument:
    """What one document of the set will be, decided before any is generated."""

    label: str
    index: int
    format: str
    language: str
    template: Template
    noise: tuple[str, ...] = field(default=())


def plan(labels: Sequence[str], fallback: str, seed: int, per_label: int) -> list[PlannedDocument]:
    """Every document's label, format, language, template and noise, label by label.

    Formats are dealt out evenly within a label (a different one first for each label);
    ceil(FOREIGN_SHARE x per_label) documents of a label are foreign, taking de, fr and es in
    turn; English documents take the label's English templates in turn (in a seeded order);
    NOISE_SHARE of them get one to three kinds of noise.
    """
    planned: list[PlannedDocument] = []
    for position, label in enumerate(labels):
        templates = FALLBACK_TEMPLATES if label == fallback else TEMPLATES[label]
        rng = random.Random(f"{seed}:plan:{label}")
        formats = [FORMATS[(i + position) % len(FORMATS)] for i in range(per_label)]
        rng.shuffle(formats)
        languages = ["en"] * per_label
        first = rng.randrange(len(FOREIGN_LANGUAGES))
        foreign = rng.sample(range(per_label), math.ceil(per_label * FOREIGN_SHARE))
        for turn, index in enumerate(foreign):
            languages[index] = FOREIGN_LANGUAGES[(first + turn) % len(FOREIGN_LANGUAGES)]
        english = list(templates.english)
        rng.shuffle(english)
        noisy = rng.sample(range(per_label), round(per_label * NOISE_SHARE))
        turn = 0
        for index in range(per_label):
            if languages[index] == "en":
                template, turn = english[turn % len(english)], turn + 1
            else:
                template = templates.foreign
            noise: tuple[str, ...] = ()
            if index in noisy:
                kinds = rng.sample(NOISE_KINDS, rng.choice((1, 1, 2, 3)))
                noise = tuple(sorted(kinds, key=NOISE_KINDS.index))
            planned.append(
                PlannedDocument(label, index, formats[index], languages[index], template, noise)
            )
    return planned


def generate(item: PlannedDocument, seed: int) -> bytes:
    """The bytes of one planned document: the same for the same seed, every time."""
    rng = random.Random(f"{seed}:{item.label}:{item.index}")
    doc = item.template(Fill(rng, item.language))
    if item.noise:
        doc = add_noise(doc, item.noise, item.format, rng)
    return RENDERERS[item.format](doc, rng)


def write_synthetic(
    folder: Path | str,
    seed: int = DEFAULT_SEED,
    per_label: int = DEFAULT_PER_LABEL,
    labels_file: Path | str | None = None,
) -> WrittenSet:
    """Generate the set into `folder` (tune/ and test/, the label CSVs and the manifest).

    Labels are those of `labels_file` (default: tasks/shared/labels.json) and its fallback;
    a label without templates here is an error, not a silent gap.
    """
    if per_label < MIN_PER_LABEL:
        raise ValueError(f"per_label must be at least {MIN_PER_LABEL}, got {per_label}")
    started = time.perf_counter()
    label_set = load_labels(labels_file)
    names = [label.name for label in label_set.labels]
    missing = [name for name in names if name not in TEMPLATES]
    if missing:
        raise ValueError(f"no synthetic templates for label(s): {', '.join(missing)}")
    root = prepare_folder(Path(folder))
    planned = plan([*names, label_set.fallback], label_set.fallback, seed, per_label)
    splits = stratified_split(
        [item.label for item in planned], seed, [item.format for item in planned]
    )
    numbers = list(range(1, len(planned) + 1))
    random.Random(f"{seed}:names").shuffle(numbers)
    digits = max(4, len(str(len(planned))))
    files: list[LabelledFile] = []
    for item, split, number in zip(planned, splits, numbers, strict=True):
        data = generate(item, seed)
        relative = f"{split}/doc-{number:0{digits}d}.{item.format}"
        (root / relative).write_bytes(data)
        files.append(
            LabelledFile(
                relative,
                item.label,
                split,
                item.format,
                item.language,
                item.template.__name__,
                item.noise,
                len(data),
            )
        )
    write_csvs(root, files)
    return WrittenSet("synthetic", root, seed, tuple(files), time.perf_counter() - started)
