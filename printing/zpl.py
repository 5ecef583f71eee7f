"""The shipping label as ZPL II for 203 dpi thermal printers, from the same
layout as the PDF (label.py). One ^XA...^XZ format per parcel."""

from printing.documents import Shipment
from printing.label import HEIGHT, QR_LEVEL, QR, WIDTH, Bar, Barcode128, Element, Text, layout, parcel_numbers

# ^FH's escape character; field data goes out as _XX hex for anything that is
# not plain printable ASCII, so a customer called "A^B~C" cannot end a field or
# fire a control command, and accented names reach the printer as UTF-8 (^CI28).
_HEX = "_"
_PLAIN = {chr(c) for c in range(0x20, 0x7F)} - {"^", "~", _HEX}


def field_data(text: str) -> str:
    """`text` as ^FH hex-escaped field data."""
    return "".join(c if c in _PLAIN else "".join(f"{_HEX}{b:02X}" for b in c.encode()) for c in text)


def _field(origin: tuple[int, int], command: str, data: str) -> str:
    return f"^FO{origin[0]},{origin[1]}{command}^FH{_HEX}^FD{field_data(data)}^FS\n"


def _zpl(e: Element) -> str:
    match e:
        case Bar():
            return f"^FO{e.x},{e.y}^GB{e.width},{e.height},{min(e.width, e.height)}^FS\n"
        case Text():
            # ^FB on one line gives centring; ^FR prints white over the black Bar under it.
            block = f"^A0N,{e.size},{e.size}^FB{e.width},1,0,{'C' if e.centered else 'L'},0"
            return _field((e.x, e.y), block + ("^FR" if e.reverse else ""), e.text)
        case Barcode128():
            # Interpretation line off: the layout prints the number itself, in a size it chose.
            return _field((e.x, e.y), f"^BY{e.module}^BCN,{e.height},N,N,N,A", e.value)
        case QR():
            return _field((e.x, e.y), f"^BQN,2,{e.module}", f"{QR_LEVEL}A,{e.value}")


def shipping_label_zpl(shipment: Shipment, *, reprint: bool = False,
                       only: set[int] | None = None) -> bytes:
    """ZPL II, one label per parcel (or per parcel in `only`, numbered from 1), ready for port 9100."""
    labels = []
    for number in parcel_numbers(shipment, only):
        fields = "".join(_zpl(e) for e in layout(shipment, number, reprint=reprint))
        labels.append(f"^XA\n^CI28\n^PW{WIDTH}\n^LL{HEIGHT}\n^LH0,0\n{fields}^XZ\n")
    return "".join(labels).encode("ascii")
