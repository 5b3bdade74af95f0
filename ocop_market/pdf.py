"""HTML and CSS to PDF: receipts (orders) and sheets of traceability stamps (catalog). WeasyPrint, on Pango, is
imported here only, so another renderer would change this one module.

The fonts come from the repository (static/fonts, DejaVu Sans and its licence), never from the machine: a PDF must
show every Vietnamese letter (ạ, ữ, đ) the same wherever it was made, and a machine's default font may lack them.
Documents name the family `DOCUMENT_FONT` in their CSS."""
from __future__ import annotations

from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

#: the CSS family name documents use; @font-face below binds it to the shipped files
DOCUMENT_FONT = "OCOP Document"
_FONT_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


def _font_faces(fonts_dir: Path) -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{DOCUMENT_FONT}"; font-weight: {weight}; '
        f'src: url("{(fonts_dir / name).resolve().as_uri()}"); }}'
        for weight, name in _FONT_FILES.items()
    )


def html_to_pdf(html: str, static_folder: str | Path) -> bytes:
    """The PDF of a whole HTML document (its own CSS, @page included). `static_folder` holds fonts/; relative
    URLs in the document resolve against it. Network URLs are never fetched: a document carries what it shows."""
    static = Path(static_folder)
    fonts = FontConfiguration()
    faces = CSS(string=_font_faces(static / "fonts"), font_config=fonts, url_fetcher=_StaticOnly(static))
    document = HTML(string=html, base_url=static.resolve().as_uri() + "/", url_fetcher=_StaticOnly(static))
    return document.write_pdf(stylesheets=[faces], font_config=fonts)


class _StaticOnly(URLFetcher):
    """Fetches files under the static folder and data: URLs, nothing else: a document never reaches the network
    or another file of the machine, whatever a template or a user's text asks."""

    def __init__(self, static: Path):
        super().__init__(allowed_protocols={"file", "data"})
        self._root = static.resolve().as_uri() + "/"

    def fetch(self, url, headers=None):
        if url.startswith("file:") and (not url.startswith(self._root) or "/../" in url):
            raise ValueError(f"outside the static folder: {url}")
        return super().fetch(url, headers)
