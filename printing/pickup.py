"""The click & collect pickup QR as a PNG, for the customer's e-mail or the app's
screen, with the short code under it that an associate can type instead."""

from io import BytesIO

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.image.pil import PilImage

from printing.documents import check_qr_content

# reportlab draws every barcode and QR that goes into a PDF; it cannot write a
# PNG without an extra rendering backend, so the PNG comes from qrcode + Pillow.

MODULE_PX = 10  # one QR square: readable from a phone screen held to a scanner
BORDER_MODULES = 4  # the quiet zone the QR standard asks for


def pickup_qr_png(payload: str, code: str) -> bytes:
    """A PNG of `payload` as a QR code, with `code` printed large under it."""
    check_qr_content(payload, "a pickup payload")
    if not code:
        raise ValueError("a pickup QR needs a code to print under it")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                       box_size=MODULE_PX, border=BORDER_MODULES, image_factory=PilImage)
    qr.add_data(payload)
    symbol = qr.make_image().get_image().convert("L")

    font = ImageFont.load_default(size=MODULE_PX * 5)
    left, top, right, bottom = font.getbbox(code)
    text_height = bottom - top + BORDER_MODULES * MODULE_PX
    width = max(symbol.width, right - left + 2 * BORDER_MODULES * MODULE_PX)
    picture = Image.new("L", (width, symbol.height + text_height), 255)
    picture.paste(symbol, ((width - symbol.width) // 2, 0))
    # The QR's own bottom quiet zone is the gap between the symbol and the code.
    ImageDraw.Draw(picture).text(((width - (right - left)) // 2 - left, symbol.height - top),
                                 code, font=font, fill=0)
    out = BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()
