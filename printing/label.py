"""The 4x6 in shipping label, laid out once in printer dots and drawn two ways:
as a PDF page (any printer) and as ZPL II (zpl.py, thermal printers).

Positions are in dots of a 203 dpi thermal printer, top-left origin, as ZPL
has them; the PDF scales them to points. Laying out once keeps both labels the
same, and sizes bars and text in whole dots so they print sharp on thermal heads.
"""

from dataclasses import dataclass
from io import BytesIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.colors import black, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from printing.documents import Parcel, Shipment

DPI = 203
WIDTH, HEIGHT = 4 * DPI, 6 * DPI  # 812 x 1218 dots
MARGIN = 24
QR_LEVEL = "M"  # survives a scuffed corner; the label has room for it


@dataclass(frozen=True)
class Text:
    x: int
    y: int  # top of the text
    width: int  # the box the text is fitted into
    size: int  # height of the font, in dots
    text: str
    bold: bool = False
    centered: bool = False
    reverse: bool = False  # white on black


@dataclass(frozen=True)
class Bar:
    """A filled rectangle: the thick rules between blocks, the black behind reversed text."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Barcode128:
    x: int
    y: int
    module: int  # narrowest bar, in dots
    height: int
    value: str


@dataclass(frozen=True)
class QR:
    x: int
    y: int
    module: int  # one QR square, in dots
    value: str


Element = Text | Bar | Barcode128 | QR


def font_name(bold: bool) -> str:
    return "Helvetica-Bold" if bold else "Helvetica"


def _fit(x: int, y: int, width: int, size: int, text: str, *, bold: bool = False,
         centered: bool = False, reverse: bool = False) -> Text:
    """Shrink the text to its box, down to 60 % and then cut, rather than run over the edge.

    Measured with Helvetica, which is wider than the printers' condensed font 0,
    so what fits the PDF also fits the ZPL label."""
    font = font_name(bold)
    natural = stringWidth(text, font, size)
    if natural > width:
        size = max(int(size * width / natural), int(size * 0.6))
        while text and stringWidth(text, font, size) > width:
            text = text[:-2] + "…" if len(text) > 1 else ""
    return Text(x, y, width, size, text, bold=bold, centered=centered, reverse=reverse)


def _code128_width(value: str, module: int) -> int:
    return round(Code128(value, barWidth=module, quiet=0).width)


def _qr_module_count(value: str) -> int:
    code = QrCode(value, qrLevel=QR_LEVEL)
    code.qr.make()
    return code.qr.getModuleCount()


def layout(shipment: Shipment, number: int, *, reprint: bool = False) -> list[Element]:
    """The elements of the label of parcel `number` (1-based) of the shipment."""
    parcel = shipment.parcels[number - 1]
    inner = WIDTH - 2 * MARGIN
    sender = shipment.store
    to = shipment.recipient
    out: list[Element] = []

    # Sender and carrier: small, the sorting hub reads the blocks below.
    left = 440
    right_x = MARGIN + left + 20
    right = WIDTH - MARGIN - right_x
    out += [
        _fit(MARGIN, 22, left, 22, "FROM"),
        _fit(MARGIN, 48, left, 28, sender.name, bold=True),
        _fit(MARGIN, 84, left, 24, ", ".join(sender.address.lines)),
        _fit(MARGIN, 114, left, 24, f"{sender.address.postcode} {sender.address.city}"),
        _fit(MARGIN, 144, left, 24, sender.address.country),
        _fit(right_x, 22, right, 52, shipment.carrier, bold=True),
        _fit(right_x, 84, right, 30, shipment.service),
    ]
    if reprint:
        out += [Bar(right_x, 128, right, 52), _fit(right_x, 136, right, 40, "REPRINT",
                                                   bold=True, centered=True, reverse=True)]
    out.append(Bar(0, 196, WIDTH, 8))

    # Recipient: the biggest block, read from arm's length at the hub.
    out.append(_fit(MARGIN, 216, inner, 26, "TO"))
    y = 248
    out.append(_fit(MARGIN, y, inner, 64, to.name, bold=True))
    y += 76
    for line in _at_most(to.address.lines, 3):
        out.append(_fit(MARGIN, y, inner, 46, line))
        y += 54
    out.append(_fit(MARGIN, y, inner, 64, f"{to.address.postcode} {to.address.city}", bold=True))
    out.append(_fit(MARGIN, y + 76, inner, 46, to.address.country, bold=True))
    out.append(Bar(0, 624, WIDTH, 8))

    # Order, parcel count and weight on the left; the QR on the right.
    out += [
        _fit(MARGIN, 648, 480, 22, "ORDER"),
        _fit(MARGIN, 674, 480, 44, shipment.order_ref, bold=True),
        _fit(MARGIN, 732, 480, 22, "PARCEL"),
        _fit(MARGIN, 758, 480, 56, f"{number} of {len(shipment.parcels)}", bold=True),
        _fit(MARGIN, 828, 480, 22, "WEIGHT"),
        _fit(MARGIN, 852, 480, 40, f"{parcel.weight_kg:.2f} kg", bold=True),
    ]
    qr_box = 232  # square, right-aligned, between the rules with a quiet zone
    qr_count = _qr_module_count(parcel.qr)
    qr_module = min(10, qr_box // qr_count)
    qr_side = qr_module * qr_count
    out.append(QR(WIDTH - MARGIN - qr_side, 650 + (qr_box - qr_side) // 2, qr_module, parcel.qr))
    out.append(Bar(0, 904, WIDTH, 8))

    # Tracking barcode: the widest whole-dot module that keeps 10-module quiet zones.
    module = next(m for m in (4, 3, 2) if _code128_width(parcel.tracking_number, m) + 20 * m <= WIDTH)
    bars = _code128_width(parcel.tracking_number, module)
    out.append(Barcode128((WIDTH - bars) // 2, 936, module, 210, parcel.tracking_number))
    out.append(_fit(MARGIN, 1158, inner, 40, parcel.tracking_number, bold=True, centered=True))
    return out


def _at_most(lines: tuple[str, ...], count: int) -> list[str]:
    """Address lines beyond `count` join the last one, so nothing is dropped."""
    if len(lines) <= count:
        return list(lines)
    return [*lines[:count - 1], ", ".join(lines[count - 1:])]


def parcel_numbers(shipment: Shipment, only: set[int] | None) -> list[int]:
    """Which labels to print: every parcel, or just those asked for (a reprint)."""
    numbers = list(range(1, len(shipment.parcels) + 1))
    if only is None:
        return numbers
    unknown = only - set(numbers)
    if unknown:
        raise ValueError(f"order {shipment.order_ref} has no parcel {sorted(unknown)}")
    return [n for n in numbers if n in only]


def shipping_label_pdf(shipment: Shipment, *, reprint: bool = False,
                       only: set[int] | None = None) -> bytes:
    """A 4x6 in PDF, one page per parcel (or per parcel in `only`, numbered from 1)."""
    scale = 72 / DPI
    out = BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH * scale, HEIGHT * scale), pageCompression=1)
    canvas.setTitle(f"Shipping labels {shipment.order_ref}")
    for number in parcel_numbers(shipment, only):
        canvas.scale(scale, scale)
        for element in layout(shipment, number, reprint=reprint):
            _draw(canvas, element)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw(canvas: Canvas, e: Element) -> None:
    """Draw one element in dots on a canvas scaled to dots (y runs up in PDF)."""
    match e:
        case Bar():
            canvas.setFillColor(black)
            canvas.rect(e.x, HEIGHT - e.y - e.height, e.width, e.height, stroke=0, fill=1)
        case Text():
            canvas.setFillColor(white if e.reverse else black)
            canvas.setFont(font_name(e.bold), e.size)
            baseline = HEIGHT - e.y - e.size * 0.8
            if e.centered:
                canvas.drawCentredString(e.x + e.width / 2, baseline, e.text)
            else:
                canvas.drawString(e.x, baseline, e.text)
        case Barcode128():
            code = Code128(e.value, barWidth=e.module, barHeight=e.height, quiet=0)
            code.drawOn(canvas, e.x, HEIGHT - e.y - e.height)
        case QR():
            side = e.module * _qr_module_count(e.value)
            QrCode(e.value, qrLevel=QR_LEVEL, qrBorder=0, width=side, height=side).drawOn(
                canvas, e.x, HEIGHT - e.y - side)
