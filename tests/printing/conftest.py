"""Sample store documents and the poppler/zbar tools that read them back.

The PDFs are checked the way a person or a scanner would meet them: rendered to
pixels by poppler and decoded by zbar, independently of reportlab."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from printing import Address, Parcel, Recipient, Shipment, Store
from tests.conftest import need

STORE = Store("PAR-01", "Backroom Paris Rivoli", Address(("112 rue de Rivoli",), "75001", "Paris", "FR"))
CUSTOMER = Recipient("Zoë ^~ Ltd", Address(("2 rue de la République", "Bâtiment B, 3e étage"),
                                           "69002", "Lyon", "France"))


@pytest.fixture
def shipment() -> Shipment:
    """Two parcels: one QR with the tracking number, one with a tracking link."""
    return Shipment("W-100234", STORE, CUSTOMER, "Colissimo", "Expert 48h", (
        Parcel("6A12345678901", 2.35),
        Parcel("1Z999AA10123456784", 0.8, qr_content="https://trk.example/t?n=1Z999AA10123456784&l=fr"),
    ))


def tool(name: str, *args: str | Path) -> str:
    """Run a poppler or zbar command line tool and return what it printed."""
    need(shutil.which(name) is not None, f"{name} not installed (apt-get install poppler-utils zbar-tools)")
    done = subprocess.run([name, *map(str, args)], capture_output=True, text=True, timeout=60)
    # zbarimg exits 4 when it finds no symbol: that is an answer, not a failure.
    if done.returncode not in (0, 4):
        raise AssertionError(f"{name} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def write(tmp_path: Path, pdf: bytes, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Each page's size in points, as poppler reads it."""
    pages = int(re.search(r"^Pages:\s+(\d+)", tool("pdfinfo", pdf), re.M).group(1))
    info = tool("pdfinfo", "-f", "1", "-l", str(pages), pdf)
    return [(float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]


def page_text(pdf: Path, page: int) -> str:
    return tool("pdftotext", "-layout", "-f", str(page), "-l", str(page), pdf, "-")


def page_codes(pdf: Path, page: int, dpi: int = 203) -> list[str]:
    """What zbar reads off one page rendered at `dpi` (a thermal printer's 203 by default),
    as "TYPE:data" lines, sorted."""
    prefix = pdf.with_suffix("")
    tool("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-png", pdf, prefix)
    return sorted(tool("zbarimg", "--quiet", prefix.with_suffix(".png")).splitlines())
