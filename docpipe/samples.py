"""Sample documents the demo generates (and tests reuse): written for docpipe, no corpus."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

INVOICE_LINES = [
    "Northwind Office Supplies Ltd.",
    "12 Harbour Road, Bristol BS1 4QA, United Kingdom",
    "INVOICE No. NW-2026-0418",
    "Invoice date: 3 November 2026. Payment due: 3 December 2026.",
    "Bill to: Larkspur Architecture LLP, 40 Mill Lane, Bath BA2 3DX.",
    "Purchase order reference: LA-PO-7731.",
    "Item 1: Recycled A4 copier paper, 40 reams at 4.20 GBP each, amount 168.00 GBP.",
    "Item 2: Archival storage boxes, 25 units at 6.50 GBP each, amount 162.50 GBP.",
    "Item 3: Ergonomic desk chairs, 4 units at 189.00 GBP each, amount 756.00 GBP.",
    "Subtotal 1,086.50 GBP. VAT at 20 percent 217.30 GBP. Total amount due 1,303.80 GBP.",
    "Please pay by bank transfer to Northwind Office Supplies Ltd, sort code 20-45-77,",
    "account number 53917740, quoting the invoice number as the payment reference.",
    "Late payments are subject to interest at 8 percent above the Bank of England base rate.",
    "Thank you for your order. Questions about this invoice: accounts@northwind.example.",
]

AGREEMENT_PAGES = [
    [
        "Master Services Agreement",
        "This Master Services Agreement is entered into on 1 October 2026 between Halcyon "
        "Data Services GmbH, a company registered in Munich, Germany (the Provider), and "
        "Riverbend Health Cooperative, a cooperative registered in Ghent, Belgium (the "
        "Client). The parties agree as follows.",
        "1. Services. The Provider shall operate and maintain the Client's document archive "
        "platform, including daily backups, security patching and a help desk available on "
        "business days, as described in Schedule A.",
        "2. Term and termination. This Agreement commences on the effective date and "
        "continues for an initial term of thirty-six months. Either party may terminate "
        "this Agreement for material breach that is not remedied within thirty days of "
        "written notice.",
        "3. Fees and payment. The Client shall pay the fees set out in Schedule B within "
        "thirty days of receipt of a valid invoice. Fees are exclusive of value added tax.",
    ],
    [
        "4. Confidentiality. Each party shall keep confidential all information disclosed "
        "by the other party and shall not use it except to perform its obligations under "
        "this Agreement. These obligations survive termination for five years.",
        "5. Data protection. The Provider shall process personal data only on the Client's "
        "documented instructions and in accordance with the General Data Protection "
        "Regulation, and shall notify the Client of any personal data breach without undue "
        "delay.",
        "6. Liability. Neither party shall be liable for indirect or consequential loss. "
        "Each party's total liability under this Agreement is limited to the fees paid in "
        "the twelve months preceding the claim.",
        "7. Governing law. This Agreement is governed by the laws of Belgium, and the "
        "courts of Ghent have exclusive jurisdiction over any dispute arising from it.",
        "Signed for the Provider: Katrin Weber, Managing Director. Signed for the Client: "
        "Pieter De Smet, Chair of the Board.",
    ],
]

LETTER = (
    "Dear residents of Maple Court,\n\n"
    "I am writing on behalf of the residents' association to let you know about the "
    "garden day we are organising on Saturday 14 November. We will meet at ten o'clock "
    "by the bicycle shed and plant bulbs along the front path, repair the bench near the "
    "playground and clear the leaves from the drains before winter.\n\n"
    "Our neighbour Renée from flat 6 has kindly offered to bring coffee and her famous "
    "apple cake. The association will cover the cost of the bulbs and compost, about "
    "€120, from this year's budget, so there is nothing to pay.\n\n"
    "If you cannot come but would like to help, you could water the new planters during "
    "the first two weeks, or lend us a wheelbarrow. Please let me know by replying to "
    "this letter or knocking on the door of flat 2.\n\n"
    "With warm regards,\n"
    "José Martín\n"
    "Secretary, Maple Court Residents' Association\n"
)

REPORT_SECTIONS = [
    (
        "Abstract",
        "We report a two-year field study of soil moisture dynamics in restored wetland "
        "meadows of the upper Elbe valley. Using a network of forty capacitance probes and "
        "monthly vegetation surveys, we measured how the removal of drainage ditches changed "
        "water retention, plant species richness and the timing of seasonal drying. Restored "
        "plots retained on average 23 percent more water during summer droughts than drained "
        "control plots, and their species richness rose by eleven species per plot within "
        "two growing seasons.",
    ),
    (
        "Introduction",
        "Floodplain meadows store water, buffer floods and host a large share of Central "
        "Europe's grassland biodiversity. During the twentieth century most of them were "
        "drained for agriculture, and the resulting loss of habitat has been documented in "
        "many regional surveys. Restoration projects increasingly fill ditches and reconnect "
        "meadows to river dynamics, but few studies follow the hydrological response at a "
        "resolution that allows the mechanisms to be separated from year-to-year weather.",
    ),
    (
        "Study area",
        "The study area comprises twelve meadows between Pirna and Meissen in Saxony, each "
        "between three and nine hectares, on alluvial loam over sand and gravel. Six meadows "
        "had their drainage ditches filled in the winter of 2023, while six comparable "
        "meadows remained drained and served as controls. All meadows were mown twice a year "
        "under the same agri-environment contract, which kept management constant across "
        "treatments.",
    ),
    (
        "Instrumentation",
        "In each meadow we installed capacitance probes at depths of 10, 30 and 60 centimetres "
        "along a transect from the river bank to the terrace edge. Probes logged volumetric "
        "water content every fifteen minutes and were calibrated against gravimetric samples "
        "taken at the start of each season. A weather station at the centre of the study area "
        "recorded precipitation, air temperature, humidity and net radiation.",
    ),
    (
        "Vegetation survey",
        "Vegetation was surveyed each June and September in permanent plots of four square "
        "metres, recording the cover of every vascular plant species. Species were assigned "
        "Ellenberg indicator values for moisture and nutrients, which allowed us to track "
        "whether the community shifted towards wetter conditions after restoration.",
    ),
    (
        "Statistical analysis",
        "We modelled water content with linear mixed models that included treatment, depth, "
        "season and their interactions as fixed effects and meadow and probe as random "
        "effects. Species richness was modelled with a Poisson mixed model. Models were "
        "fitted in R, and we report effect sizes with ninety-five percent confidence "
        "intervals rather than relying on significance tests alone.",
    ),
    (
        "Results: water retention",
        "Restored meadows held more water at every depth, and the difference was largest in "
        "late summer. In August of the drier second year, water content at 30 centimetres "
        "was 0.34 cubic metres per cubic metre in restored plots and 0.27 in controls. The "
        "onset of seasonal drying, defined as the first week in which water content fell "
        "below field capacity, came on average nineteen days later in restored meadows.",
    ),
    (
        "Results: vegetation",
        "Species richness increased from 21 to 32 species per plot in restored meadows, "
        "while control plots stayed near 20 species. Typical wet meadow species such as "
        "great burnet, marsh marigold and meadow thistle established from the seed bank "
        "and from neighbouring sites. Mean Ellenberg moisture values rose by 0.6 units, "
        "which indicates a clear shift towards moisture-loving species.",
    ),
    (
        "Discussion",
        "The results show that filling drainage ditches is enough to restore much of the "
        "water storage function of floodplain meadows within two years, provided that the "
        "surrounding land does not lower the groundwater table. The delayed onset of drying "
        "matters for farmers as well, because it extends the period in which the meadows "
        "produce hay of good quality during dry summers.",
    ),
    (
        "Limitations",
        "Our study covers only two years, one of which was unusually wet in spring, and the "
        "meadows were not assigned to treatments at random but chosen by the restoration "
        "agency. We addressed this by comparing pre-restoration measurements from 2022, "
        "which showed no differences between the two groups, but hidden differences in soil "
        "structure cannot be fully excluded.",
    ),
    (
        "Management recommendations",
        "We recommend that restoration programmes monitor soil moisture with a small number "
        "of permanent probes rather than occasional manual samples, that mowing dates remain "
        "flexible in wet years, and that neighbouring farms be involved early so that their "
        "own drainage does not undo the benefits of restoration.",
    ),
    (
        "Conclusion",
        "Restoring the natural water regime of floodplain meadows quickly increased water "
        "retention and plant diversity. Because the measures are cheap compared with the "
        "value of the flood protection and biodiversity they provide, ditch filling should "
        "be a priority in regional water management plans.",
    ),
]


@dataclass(frozen=True)
class Sample:
    """A generated sample file and the outcome the demo expects for it."""

    name: str
    data: bytes
    expected_status: str


def invoice_pdf() -> bytes:
    """A one-page invoice PDF with a text layer."""
    return pdf_from_pages([INVOICE_LINES])


def pdf_from_pages(pages: list[list[str]]) -> bytes:
    """A PDF with one page per list of paragraphs, built with fpdf2's core fonts."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(2)
    return bytes(pdf.output())


def docx_from_pages(pages: list[list[str]]) -> bytes:
    """A DOCX with an explicit page break between the given pages."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    for number, paragraphs in enumerate(pages):
        if number:
            document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


RECEIPT_LINES = [
    "HARBOURSIDE HARDWARE",
    "Receipt 20481  Bristol",
    "Date 14 November 2026",
    "Copper pipe 15mm x 3    21.60",
    "Brass compression fittings x 8    14.40",
    "Plumber tape x 2    3.00",
    "Subtotal 39.00  VAT 7.80",
    "TOTAL PAID 46.80 GBP by card",
    "Thank you for shopping with us",
]


def text_image(lines: list[str], image_format: str = "PNG") -> bytes:
    """A picture of text, as a phone or scanner makes it: no text layer, OCR only.

    Drawn at about 300 dpi for an A4 width with Pillow's scalable default font.
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=44)
    image = Image.new("L", (2000, 160 + 80 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((100, 100 + 80 * number), line, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages are only pictures of text, like a scanner's output."""
    from fpdf import FPDF

    pdf = FPDF()
    for lines in pages:
        pdf.add_page()
        pdf.image(io.BytesIO(text_image(lines)), x=0, y=0, w=210)
    return bytes(pdf.output())


def concatenate_pdfs(*documents: bytes) -> bytes:
    """One PDF with the pages of `documents` in order (e.g. a text page, then a scan)."""
    import pypdfium2

    merged = pypdfium2.PdfDocument.new()
    for data in documents:
        merged.import_pages(pypdfium2.PdfDocument(data))
    buffer = io.BytesIO()
    merged.save(buffer)
    return buffer.getvalue()


def report_pdf() -> bytes:
    """A ten-page research report PDF, long enough to need several chunks."""
    pages = [[title, text] for title, text in REPORT_SECTIONS[:10]]
    pages[-1].extend(f"{t}. {x}" for t, x in REPORT_SECTIONS[10:])
    return pdf_from_pages(pages)


def long_report_pdf(pages: int) -> bytes:
    """A report of `pages` pages (about 350 words each) for token and scale benchmarks.

    Page n holds five report sections in turn, each prefixed with the page's site and
    season, so pages differ from one another while reading like the same study.
    """
    sites = ("Dessau", "Wittenberg", "Torgau", "Meissen", "Riesa", "Coswig", "Aken")
    body = []
    for number in range(pages):
        site = sites[number % len(sites)]
        year = 2019 + number % 6
        paragraphs = [f"Site report {number + 1}: {site} meadows, season {year}."]
        for offset in range(5):
            title, text = REPORT_SECTIONS[(number + offset) % len(REPORT_SECTIONS)]
            paragraphs.append(f"{title} ({site}, {year}). {text}")
        body.append(paragraphs)
    return pdf_from_pages(body)


def demo_samples() -> list[Sample]:
    """The documents `docpipe demo` runs: each format, a multi-chunk report, a scanned
    receipt (OCR: SUCCEEDED with tesseract installed, else FAILED with OcrUnavailableError),
    the failure path (a damaged PDF) and the duplicate path (the letter uploaded twice)."""
    letter = LETTER.encode("cp1252")
    damaged = invoice_pdf()[:600]
    ocr = "SUCCEEDED" if shutil.which("tesseract") else "FAILED"
    return [
        Sample("scanned-receipt.pdf", scanned_pdf([RECEIPT_LINES]), ocr),
        Sample("invoice-northwind.pdf", invoice_pdf(), "SUCCEEDED"),
        Sample("services-agreement.docx", docx_from_pages(AGREEMENT_PAGES), "SUCCEEDED"),
        Sample("letter-maple-court.txt", letter, "SUCCEEDED"),
        Sample("wetland-field-study.pdf", report_pdf(), "SUCCEEDED"),
        Sample("damaged-scan.pdf", damaged, "FAILED"),
        Sample("letter-maple-court.txt", letter, "SKIPPED_DUPLICATE"),
    ]


def write_samples(directory: Path) -> list[tuple[Path, Sample]]:
    """Write the demo samples below `directory`; a repeated name is written once."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for sample in demo_samples():
        path = directory / sample.name
        path.write_bytes(sample.data)
        written.append((path, sample))
    return written
