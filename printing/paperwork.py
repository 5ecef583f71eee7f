"""Store paperwork as PDF: the packing slip and the carrier manifest on A4 (the
back-office printer), and the return receipt on 80 mm till paper.

The return receipt is 80 mm wide because returns are taken at the counter, where
the till's receipt printer is, and the customer keeps it with their other till
receipts; its page is as long as its content, like any receipt.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import black, lightgrey
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from printing.documents import Address, Manifest, PackingSlip, ReturnReceipt, Store


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle


def _styles(size: float) -> _Styles:
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=size, leading=size * 1.25)
    return _Styles(
        body=body,
        small=ParagraphStyle("small", body, fontSize=size * 0.8, leading=size),
        title=ParagraphStyle("title", body, fontName="Helvetica-Bold", fontSize=size * 1.8,
                             leading=size * 2.2, spaceAfter=size * 0.4),
        heading=ParagraphStyle("heading", body, fontName="Helvetica-Bold", fontSize=size * 1.15,
                               leading=size * 1.5, spaceBefore=size, spaceAfter=size * 0.3),
    )


A4_TEXT = _styles(10)
A4_MARGIN = 15 * mm
A4_WIDTH = A4[0] - 2 * A4_MARGIN - 12  # what the page frame leaves after its 6 pt padding
_RIGHT = ParagraphStyle("right", A4_TEXT.body, alignment=TA_RIGHT)


def _p(text: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
    """A paragraph of the customer's or store's own words: never read as markup."""
    text = escape(text).replace("\n", "<br/>")
    return Paragraph(f"<b>{text}</b>" if bold else text, style)


def _address(address: Address) -> str:
    return "\n".join([*address.lines, f"{address.postcode} {address.city}", address.country])


def _kg(weight: float) -> str:
    return f"{weight:.2f} kg"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], shares: Sequence[float],
           *, right: Sequence[int] = (), total: Sequence[str] | None = None) -> Table:
    """A ruled table, as wide as the page, whose header repeats on every page.

    `shares` are the columns' parts of the width; `right` are the numeric columns."""
    # Paragraphs (which wrap long names) ignore a cell's ALIGN, so numeric columns get a style.
    styles = [_RIGHT if c in right else A4_TEXT.body for c in range(len(shares))]

    def row(texts: Sequence[str], bold: bool) -> list[Paragraph]:
        return [_p(text, style, bold=bold) for text, style in zip(texts, styles, strict=True)]

    cells = [row(header, True), *[row(r, False) for r in rows]]
    style = [("LINEBELOW", (0, 0), (-1, 0), 1, black),
             ("LINEBELOW", (0, 1), (-1, -1), 0.25, lightgrey),
             ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if total is not None:
        cells.append(row(total, True))
        style.append(("LINEABOVE", (0, -1), (-1, -1), 1, black))
    return Table(cells, colWidths=_columns(shares), repeatRows=1, style=TableStyle(style))


def _columns(shares: Sequence[float]) -> list[float]:
    return [A4_WIDTH * s / sum(shares) for s in shares]


# Layout tables (no rules) sit flush with the page's left edge, like the text.
_FLUSH = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])


def _facts(pairs: Sequence[tuple[str, str]]) -> Table:
    """Label/value lines for the header's right half, e.g. ("Order", "W-100234")."""
    return Table([[_p(k, A4_TEXT.small), _p(v, A4_TEXT.body, bold=True)] for k, v in pairs],
                 colWidths=[20 * mm, A4_WIDTH / 2 - 20 * mm - 12], style=_FLUSH)


def _a4_header(title: str, store: Store, right: list[Flowable]) -> Table:
    """Title and store on the left, the document's key facts on the right."""
    left = [_p(title, A4_TEXT.title), _p(store.name, A4_TEXT.body, bold=True),
            _p(_address(store.address), A4_TEXT.body)]
    return Table([[left, right]], colWidths=_columns([1, 1]), style=_FLUSH)


def _build(story: list[Flowable], pagesize: tuple[float, float], margin: float, title: str,
           *, footer: bool = False) -> bytes:
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin, title=title)

    def page_footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        # A manifest runs over pages that get separated: each says what it belongs to.
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(pagesize[0] - margin, margin / 2, f"{title} - page {doc.page}")

    on_page = page_footer if footer else (lambda canvas, doc: None)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _a4(story: list[Flowable], title: str) -> bytes:
    return _build(story, A4, A4_MARGIN, title, footer=True)


def packing_slip_pdf(slip: PackingSlip) -> bytes:
    """A4 packing slip that goes in the parcel: what was ordered and how it travels."""
    delivery = slip.delivery_method.words
    if slip.carrier:
        delivery += f" with {slip.carrier} {slip.service}".rstrip()
    story: list[Flowable] = [
        _a4_header("Packing slip", slip.store, [_facts([("Order", slip.order_ref), ("Delivery", delivery)])]),
        _p("Customer", A4_TEXT.heading),
        _p(slip.customer.name, A4_TEXT.body, bold=True),
        _p(_address(slip.customer.address), A4_TEXT.body),
        _p("Items", A4_TEXT.heading),
        _table(["SKU", "Item", "Qty"], [[line.sku, line.name, str(line.qty)] for line in slip.lines],
               [2, 6, 1], right=[2],
               total=["", "Total items", str(sum(line.qty for line in slip.lines))]),
        _p("Parcels", A4_TEXT.heading),
    ]
    count = len(slip.parcels)
    if count:
        story.append(_table(
            ["Parcel", "Tracking number", "Weight"],
            [[f"{i} of {count}", p.tracking_number, _kg(p.weight_kg)] for i, p in enumerate(slip.parcels, 1)],
            [1.5, 5.5, 2], right=[2],
            total=[f"{count} parcel{'s' if count > 1 else ''}", "",
                   _kg(sum(p.weight_kg for p in slip.parcels))]))
    else:
        story.append(_p("No parcel: the customer collects the items at the store.", A4_TEXT.body))
    return _a4(story, f"Packing slip {slip.order_ref}")


def manifest_pdf(manifest: Manifest) -> bytes:
    """A4 manifest the driver signs at handover: every parcel, the totals and both signatures."""
    rows = [(s, p) for s in manifest.shipments for p in s.parcels]
    count, weight = len(rows), _kg(sum(p.weight_kg for _, p in rows))
    # The id is printed just above, so the barcode carries no text of its own.
    barcode = Code128(manifest.manifest_id, barWidth=0.33 * mm, barHeight=14 * mm)
    right = [_facts([("Manifest", manifest.manifest_id), ("Carrier", manifest.carrier),
                     ("Date", manifest.handover_date.isoformat())]), Spacer(1, 3 * mm), barcode]
    story: list[Flowable] = [
        _a4_header("Carrier manifest", manifest.store, right),
        _p("Parcels", A4_TEXT.heading),
        _table(["#", "Tracking number", "Order", "Postcode", "City", "Weight"],
               [[str(i), p.tracking_number, s.order_ref, s.recipient.address.postcode,
                 s.recipient.address.city, _kg(p.weight_kg)] for i, (s, p) in enumerate(rows, 1)],
               [1, 5, 3.5, 2.2, 3.8, 2.5], right=[0, 5],
               total=["", f"{count} parcels", "", "", "Total weight", weight]),
        Spacer(1, 10 * mm),
        # Whatever page the signatures land on says what is being signed for.
        KeepTogether([
            _p(f"Handed over to {manifest.carrier}: {count} parcels, {weight} in total.", A4_TEXT.body, bold=True),
            Spacer(1, 3 * mm),
            _signatures(["Store associate", "Driver"]),
        ]),
    ]
    return _a4(story, f"Manifest {manifest.manifest_id}")


def _signatures(who: Sequence[str]) -> Table:
    """Side-by-side boxes to print a name, sign and note the time in."""
    box = [[_p(w, A4_TEXT.body, bold=True), Spacer(1, 4 * mm), _p("Name", A4_TEXT.small),
            Spacer(1, 8 * mm), _p("Signature", A4_TEXT.small), Spacer(1, 16 * mm),
            _p("Date and time", A4_TEXT.small), Spacer(1, 6 * mm)] for w in who]
    return Table([box], colWidths=_columns([1] * len(who)),
                 style=TableStyle([("BOX", (0, 0), (-1, -1), 1, black),
                                   ("INNERGRID", (0, 0), (-1, -1), 1, black),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))


RECEIPT_WIDTH = 80 * mm
RECEIPT_MARGIN = 4 * mm  # till printers print about 72 mm of the 80 mm roll
RECEIPT_TEXT = _styles(8)


def return_receipt_pdf(receipt: ReturnReceipt) -> bytes:
    """80 mm return receipt for the customer: what came back and what is refunded."""
    t = RECEIPT_TEXT
    width = RECEIPT_WIDTH - 2 * RECEIPT_MARGIN
    facts = [("Return", receipt.return_ref), ("Order", receipt.order_ref),
             ("Date", receipt.returned_at.strftime("%Y-%m-%d %H:%M")), ("Served by", receipt.associate)]
    story: list[Flowable] = [
        _p(receipt.store.name, t.body, bold=True),
        _p(_address(receipt.store.address), t.body),
        _p("Return receipt", t.title),
        *[_p(f"{k}: {v}", t.body) for k, v in facts],
        _p("Items returned", t.heading),
        *[f for item in receipt.items for f in (_p(f"{item.qty} x {item.name}", t.body), _p(item.sku, t.small))],
        _p("Reason", t.heading), _p(receipt.reason, t.body),
        _p("Condition", t.heading), _p(receipt.condition, t.body),
        Spacer(1, 2 * mm),
        _p(f"Refund {receipt.refund:.2f} {receipt.currency}", t.title),
        _p("Keep this receipt: it is your proof of return.", t.small),
    ]
    # The page is as long as the receipt: measure in the frame (6 pt padding each side) first.
    measure = Canvas(BytesIO())
    height = sum(f.wrapOn(measure, width - 12, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter()
                 for f in story)
    return _build(story, (RECEIPT_WIDTH, height + 2 * RECEIPT_MARGIN + 12 + 3 * mm), RECEIPT_MARGIN,
                  f"Return {receipt.return_ref}")
