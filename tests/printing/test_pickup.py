"""The pickup QR PNG, decoded by zbar and read by Pillow."""

from io import BytesIO

import pytest
from PIL import Image

from printing import pickup_qr_png
from tests.printing.conftest import tool


def test_pickup_qr_decodes_to_the_payload_with_the_code_under_it(tmp_path):
    payload = "BACKROOM-PICKUP:W-100234:7K4Q-2M9X?sig=a/b+c%3D"
    png = pickup_qr_png(payload, "7K4Q-2M9X")
    path = tmp_path / "pickup.png"
    path.write_bytes(png)
    assert tool("zbarimg", "--quiet", path).splitlines() == [f"QR-Code:{payload}"]

    picture = Image.open(BytesIO(png))
    assert picture.format == "PNG" and picture.height > picture.width  # room for the code under the symbol
    # The code is drawn: there is ink in the band below the QR's square.
    band = picture.convert("L").crop((0, picture.width, picture.width, picture.height))
    assert band.getextrema()[0] == 0


@pytest.mark.parametrize("payload,code", [("", "X"), ("P", ""), ("Zoë", "X"), ("P" * 201, "X")])
def test_pickup_qr_needs_an_ascii_payload_and_a_code(payload, code):
    with pytest.raises(ValueError):
        pickup_qr_png(payload, code)
