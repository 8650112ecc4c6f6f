"""Fixture builders for the extraction tests: PDFs (fpdf2 or hand-written), DOCX, ZIP."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence

from docx import Document
from docx.document import Document as WordDocument
from fpdf import FPDF
from PIL import Image


def pdf_with_pages(
    texts: Sequence[str], *, user_password: str | None = None, owner_password: str | None = None
) -> bytes:
    """A PDF with one page per text (Helvetica, so Latin-1 only), optionally encrypted."""
    pdf = FPDF()
    if owner_password is not None:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.set_font("helvetica", size=12)
    for text in texts:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """A PDF page holding only a picture of text-coloured pixels: a scan without OCR."""
    picture = Image.new("RGB", (200, 80), "white")
    for x in range(20, 180):
        for y in range(30, 40):
            picture.putpixel((x, y), (0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=10, y=10, w=100)
    return bytes(pdf.output())


def blank_pdf(pages: int = 1) -> bytes:
    """A PDF of empty pages."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
    return bytes(pdf.output())


def handmade_pdf(text: str, *, catalog: str = "<< /Type /Catalog /Pages 2 0 R >>") -> bytes:
    """A one-page Helvetica PDF written by hand, so tests can damage its structure.

    Objects: 1 catalog (given), 2 page tree, 3 page, 4 content stream, 5 font.
    """
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        catalog.encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_bytes(build: Callable[[WordDocument], object]) -> bytes:
    """A DOCX made by python-docx: `build` fills a new, empty document."""
    document = Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A deflated ZIP archive of the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rezip(data: bytes, replace: Mapping[str, Callable[[bytes], bytes]]) -> bytes:
    """Copy a ZIP archive, passing the named members through the given edits."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            edit = replace.get(info.filename)
            target.writestr(info.filename, edit(content) if edit else content)
    return buffer.getvalue()
