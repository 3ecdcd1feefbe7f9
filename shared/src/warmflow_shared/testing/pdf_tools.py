"""Look at a PDF as a bare machine would: poppler under a fontconfig that knows no font.

A font that is not embedded comes out as empty boxes there. ``.ci/run`` installs poppler-utils
and the embedded font; elsewhere the checks skip with the reason (under
``WARMFLOW_REQUIRE_SERVERS=1`` they fail instead).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from warmflow_shared.documents.pdf import font_file
from warmflow_shared.testing.servers import servers_required

TOOLS = ("pdffonts", "pdftotext", "pdftoppm")


def require_poppler() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if font_file() is None:
        missing.append("a TrueType Chinese font (fonts-wqy-microhei)")
    if missing:
        message = "needs " + ", ".join(missing)
        if servers_required():
            pytest.fail(message + " (.ci/run installs them)", pytrace=False)
        pytest.skip(message)


class BarePoppler:
    """poppler's tools with no fonts configured; files under a private temporary directory."""

    def __init__(self) -> None:
        require_poppler()
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
