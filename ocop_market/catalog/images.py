"""Photo handling: the only module that uses Pillow.

Uploads are opened only as JPEG/PNG/WebP, refused above a pixel limit (decompression bombs),
turned upright by their EXIF orientation, stripped of metadata by re-encoding, and stored under a
random name. Thumbnails (320 and 960 px wide, WebP) are derived and can be rebuilt from the originals.
"""
from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..text import fold

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
THUMB_SIZES = (320, 960)
EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageRejected(ValueError):
    """The upload is not an acceptable photo; the message is shown to the user."""


@dataclass(frozen=True)
class StoredImage:
    stored_name: str
    original_format: str  # jpeg | png | webp
    width: int
    height: int
    size_bytes: int


def original_path(upload_dir: str, stored_name: str, fmt: str) -> str:
    return os.path.join(upload_dir, "originals", f"{stored_name}.{EXT[fmt.upper()]}")


def thumb_path(upload_dir: str, stored_name: str, size: int) -> str:
    return os.path.join(upload_dir, "thumbs", f"{stored_name}_{size}.webp")


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    # Pillow's own guard is global; we set ours per call and turn its warning into an error.
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            if img.width * img.height > max_pixels:
                raise ImageRejected("Ảnh có kích thước điểm ảnh quá lớn.")
            img.load()
            return img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("Ảnh có kích thước điểm ảnh quá lớn.") from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("Chỉ nhận ảnh JPEG, PNG hoặc WebP.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("Tệp ảnh bị hỏng hoặc không đọc được.") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _normalise(img: Image.Image) -> Image.Image:
    img = ImageOps.exif_transpose(img)
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("LA", "PA", "P") else "RGB")
    # A fresh image carries pixels only: EXIF (GPS), ICC, text chunks and trailing bytes are gone.
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    return clean


def store_upload(data: bytes, upload_dir: str, *, max_bytes: int, max_pixels: int) -> StoredImage:
    """Validate and store one uploaded photo; raise ImageRejected with a user-facing message."""
    if not data:
        raise ImageRejected("Tệp ảnh trống.")
    if len(data) > max_bytes:
        raise ImageRejected(_("Ảnh vượt quá dung lượng cho phép (%(size)s).", size=_human_size(max_bytes)))
    img = _open_checked(data, max_pixels)
    source_format = img.format
    try:
        clean = _normalise(img)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError) as exc:
        # Broken EXIF or an exotic pixel mode: refuse it like any unreadable file, never a 500.
        raise ImageRejected("Tệp ảnh bị hỏng hoặc không đọc được.") from exc
    fmt = "PNG" if source_format == "PNG" else ("WEBP" if source_format == "WEBP" else "JPEG")
    if fmt == "JPEG" and clean.mode == "RGBA":
        clean = clean.convert("RGB")
    return _write(clean, fmt, upload_dir)


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    return f"{max(1, n // 1024)} KB"


def store_generated(img: Image.Image, upload_dir: str) -> StoredImage:
    """Store an image made by the program (demo placeholders) the same way as an upload."""
    return _write(_normalise(img).convert("RGB"), "JPEG", upload_dir)


def _write(clean: Image.Image, fmt: str, upload_dir: str) -> StoredImage:
    stored_name = secrets.token_hex(16)
    path = original_path(upload_dir, stored_name, fmt)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    buf = io.BytesIO()
    save_kwargs = {"quality": 88, "optimize": True} if fmt == "JPEG" else {}
    if fmt == "WEBP":
        save_kwargs = {"quality": 88}
    clean.save(buf, fmt, **save_kwargs)
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
        make_thumbnails(clean, upload_dir, stored_name)
    except BaseException:
        # No half-stored photo: an original without thumbnails (or a stray .tmp) is removed.
        delete_files(upload_dir, stored_name, fmt)
        for leftover in [tmp] + [thumb_path(upload_dir, stored_name, s) + ".tmp" for s in THUMB_SIZES]:
            _remove_quietly(leftover)
        raise
    return StoredImage(stored_name, fmt.lower(), clean.width, clean.height, len(buf.getvalue()))


def make_thumbnails(img: Image.Image, upload_dir: str, stored_name: str) -> None:
    os.makedirs(os.path.join(upload_dir, "thumbs"), exist_ok=True)
    for size in THUMB_SIZES:
        thumb = img.copy()
        # Square crop for cards at 320; the 960 version keeps the whole photo.
        if size == 320:
            thumb = ImageOps.fit(thumb, (size, size), Image.Resampling.LANCZOS)
        else:
            thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
        path = thumb_path(upload_dir, stored_name, size)
        thumb.save(path + ".tmp", "WEBP", quality=80, method=4)
        os.replace(path + ".tmp", path)


def rebuild_thumbnails(upload_dir: str, stored_name: str, fmt: str) -> None:
    with Image.open(original_path(upload_dir, stored_name, fmt)) as img:
        img.load()
        make_thumbnails(img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB"), upload_dir, stored_name)


def delete_files(upload_dir: str, stored_name: str, fmt: str) -> None:
    paths = [original_path(upload_dir, stored_name, fmt)] + [thumb_path(upload_dir, stored_name, s) for s in THUMB_SIZES]
    for p in paths:
        _remove_quietly(p)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# ---------------------------------------------------------------- demo placeholders
# Fonts with Vietnamese glyphs, tried in order; without one, Pillow's default font draws the text unaccented.
PLACEHOLDER_FONTS = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                     "LiberationSans-Bold.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
                     "Arial Bold.ttf", "/Library/Fonts/Arial Bold.ttf", "arialbd.ttf")


def _placeholder_font(size: int):
    from PIL import ImageFont

    for name in PLACEHOLDER_FONTS:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size), False


def render_placeholder(title: str, subtitle: str, initials: str, background: tuple[int, int, int],
                       size: tuple[int, int] = (720, 720)) -> Image.Image:
    """A calm coloured card with large initials and the product's name (demo photos, made locally).
    Square by default, so the square card thumbnails keep all of the text."""
    from PIL import ImageDraw

    width, height = size
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    light = tuple(min(255, c + 38) for c in background)
    dark = tuple(max(0, c - 34) for c in background)
    # Two soft shapes give the card depth without a photo.
    draw.ellipse((width * 0.52, -height * 0.35, width * 1.35, height * 0.75), fill=light)
    draw.rectangle((0, height * 0.70, width, height), fill=dark)
    big, unicode_ok = _placeholder_font(int(height * 0.30))
    text_font, _ = _placeholder_font(max(14, int(height * 0.056)))
    small_font, _ = _placeholder_font(max(12, int(height * 0.042)))
    if not unicode_ok:
        title, subtitle, initials = fold(title).title(), fold(subtitle).title(), fold(initials).upper()
    ink, soft = (255, 255, 255), (238, 238, 230)
    draw.text((width * 0.08, height * 0.38), initials, font=big, fill=ink, anchor="lm")
    # Wrap the name to the card's width, at most two lines.
    words, lines, current = title.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=text_font) <= width * 0.84 or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
        while draw.textlength(lines[1] + "…", font=text_font) > width * 0.84 and " " in lines[1]:
            lines[1] = lines[1].rsplit(" ", 1)[0]
        lines[1] += "…"
    y = height * 0.75
    for line in lines:
        draw.text((width * 0.08, y), line, font=text_font, fill=ink)
        y += height * 0.072
    draw.text((width * 0.92, height * 0.08), subtitle, font=small_font, fill=soft, anchor="ra")
    return img
