"""Look at a PDF as a bare machine would: poppler under a fontconfig that knows no font.

A font that is not embedded comes out as empty boxes there. ``.ci/run`` installs poppler-utils
and the embedded fonts (``fonts-wqy-microhei``; ``fonts-hanazono`` for rare name characters, which
``BarePoppler(rare_fonts=True)`` requires); elsewhere the checks skip with the reason (under
``WARMFLOW_REQUIRE_SERVERS=1`` they fail instead).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from warmflow_shared.documents.pdf import font_file, rare_fonts_installed
from warmflow_shared.testing.servers import servers_required

TOOLS = ("pdffonts", "pdftotext", "pdftoppm")


def require_poppler(rare_fonts: bool = False) -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if font_file() is None:
        missing.append("a TrueType Chinese font (fonts-wqy-microhei)")
    if rare_fonts and not rare_fonts_installed():
        missing.append("the faces for rare name characters (fonts-hanazono)")
    if missing:
        message = "needs " + ", ".join(missing)
        if servers_required():
            pytest.fail(message + " (.ci/run installs them)", pytrace=False)
        pytest.skip(message)


class BarePoppler:
    """poppler's tools with no fonts configured; files under a private temporary directory.

    ``rare_fonts``: the document needs the faces for rare name characters too."""

    def __init__(self, rare_fonts: bool = False) -> None:
        require_poppler(rare_fonts)
        self.dir = Path(tempfile.mkdtemp(prefix="bare-poppler-"))
        config = self.dir / "fonts.conf"
        config.write_text(
            f'<?xml version="1.0"?><fontconfig><dir>{self.dir / "none"}</dir>'
            f"<cachedir>{self.dir / 'cache'}</cachedir></fontconfig>",
            encoding="utf-8",
        )
        self.env = {"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin"}

    def _run(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, check=True)
        return done.stdout

    def save(self, pdf: bytes, name: str = "doc.pdf") -> Path:
        path = self.dir / name
        path.write_bytes(pdf)
        return path

    def fonts(self, pdf: Path) -> list[tuple[str, bool]]:
        """(font name, embedded) for every font the document uses."""
        rows = self._run("pdffonts", str(pdf)).splitlines()[2:]
        found = []
        for row in rows:
            name, *_, emb, _sub, _uni, _obj, _gen = row.split()
            found.append((name, emb == "yes"))
        return found

    def text(self, pdf: Path) -> str:
        return self._run("pdftotext", "-layout", str(pdf), "-")

    def png_size(self, pdf: Path) -> int:
        """Bytes of the first page rendered at 30 dpi (a blank page compresses to almost none)."""
        stem = self.dir / (pdf.stem + "-page")
        self._run("pdftoppm", "-r", "30", "-png", "-singlefile", str(pdf), str(stem))
        return (stem.with_suffix(".png")).stat().st_size
