"""Photo uploads through the producer's photo page: what is refused (with a message and a status),
what is cleaned (EXIF, GPS, appended bytes, orientation), and that a refused upload leaves nothing behind."""
from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from ocop_market.catalog import images
from ocop_market.catalog.models import ProductImage
from ocop_market.extensions import db
from tests.conftest import csrf_from, make_producer, make_product, make_user, png_bytes


# ---------------------------------------------------------------- helpers
@pytest.fixture
def listing(app, client, auth):
    """A signed-in producer with one draft listing; returns the photo page URL."""
    with app.app_context():
        owner = make_user("hoa@example.vn", role="producer")
        product = make_product(make_producer(owner=owner), status="draft")
        pid = product.id
    assert auth.login("hoa@example.vn").status_code == 302
    return f"/gian-hang/san-pham/{pid}/anh"


def upload(client, url, *files, alt_text=""):
    """POST files ((bytes, filename) pairs) with the page's CSRF token."""
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "alt_text": alt_text,
                                  "photos": [(io.BytesIO(data), name) for data, name in files]},
                       content_type="multipart/form-data")


def stored_rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(i.stored_name, i.original_format) for i in db.session.scalars(select(ProductImage))]


def files_on_disk(app) -> list[str]:
    root = app.config["UPLOAD_DIR"]
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def png_bomb(width=20_000, height=20_000) -> bytes:
    """A valid, tiny PNG (about 50 KB) that would decode to 400 million pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + one bit per pixel
    raw = zlib.compress(row * height, 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def jpeg_with_gps_and_orientation() -> bytes:
    """60x40, left half red, right half blue; EXIF says 'rotate 90° clockwise to view' and carries a GPS fix."""
    img = Image.new("RGB", (60, 40), (220, 30, 30))
    img.paste((30, 30, 220), (30, 0, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    exif[0x010F] = "SecretCamMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (22.0, 40.0, 1.0), 3: "E", 4: (106.0, 30.0, 5.0)})
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, quality=95)
    return buf.getvalue()


REFUSED_TYPE = "Chỉ nhận ảnh JPEG, PNG hoặc WebP."
BROKEN = "Tệp ảnh bị hỏng hoặc không đọc được."
TOO_MANY_PIXELS = "Ảnh có kích thước điểm ảnh quá lớn."


# ---------------------------------------------------------------- what is refused
def test_decompression_bomb_is_refused_with_message(app, client, listing):
    bomb = png_bomb()
    assert len(bomb) < 200_000
    resp = upload(client, listing, (bomb, "anh.png"))
    assert resp.status_code == 400
    assert TOO_MANY_PIXELS in resp.get_data(as_text=True)
    assert stored_rows(app) == [] and files_on_disk(app) == []


@pytest.mark.parametrize("data,name,message", [
    (b"Xin chao, day khong phai anh.\n", "anh.jpg", REFUSED_TYPE),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
     "anh.jpg", REFUSED_TYPE),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>', "anh.svg", REFUSED_TYPE),
    (b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>", "anh.jpg", REFUSED_TYPE),
    (png_bytes(fmt="GIF"), "anh.gif", REFUSED_TYPE),
    (png_bytes(fmt="BMP"), "anh.jpg", REFUSED_TYPE),
    (png_bytes(fmt="TIFF"), "anh.jpg", REFUSED_TYPE),
    (png_bytes(size=(300, 300), fmt="JPEG")[:400], "cut.jpg", BROKEN),  # truncated in the middle
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "fake.jpg", None),  # a JPEG signature and nothing else
], ids=["text", "svg-as-jpg", "svg", "html", "gif", "bmp", "tiff", "truncated", "signature-only"])
def test_non_images_and_broken_files_are_refused(app, client, listing, data, name, message):
    resp = upload(client, listing, (data, name))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert (message or "") in html
    assert message is not None or REFUSED_TYPE in html or BROKEN in html
    assert stored_rows(app) == [] and files_on_disk(app) == []


def test_empty_form_asks_for_a_photo(client, listing):
    resp = upload(client, listing)
    assert resp.status_code == 400
    assert "Vui lòng chọn ít nhất một ảnh." in resp.get_data(as_text=True)


def test_one_bad_file_in_a_batch_saves_nothing(app, client, listing):
    resp = upload(client, listing, (png_bytes(), "tot.png"), (png_bytes(fmt="JPEG"), "tot.jpg"),
                  (png_bomb(), "bom.png"))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "bom.png" in html and TOO_MANY_PIXELS in html and "Không ảnh nào được lưu." in html
    assert stored_rows(app) == []
    assert files_on_disk(app) == []  # the two good files stored before the bomb were taken back


@pytest.mark.parametrize("app_config", [{"MAX_PHOTOS_PER_PRODUCT": 2}], indirect=True)
def test_too_many_photos(app, client, listing):
    assert upload(client, listing, (png_bytes(), "1.png")).status_code == 302
    resp = upload(client, listing, (png_bytes(), "2.png"), (png_bytes(), "3.png"))
    assert resp.status_code == 400
    assert "Mỗi sản phẩm có tối đa 2 ảnh." in resp.get_data(as_text=True)
    assert len(stored_rows(app)) == 1
    assert len([f for f in files_on_disk(app) if f.startswith("originals")]) == 1


@pytest.mark.parametrize("app_config", [{"MAX_IMAGE_BYTES": 2048}], indirect=True)
def test_photo_over_the_per_file_limit(app, client, listing):
    big = png_bytes(size=(400, 400), fmt="BMP")  # refused by size before anything is decoded
    assert len(big) > 2048
    resp = upload(client, listing, (big, "to.png"))
    assert resp.status_code == 400
    assert "Ảnh vượt quá dung lượng cho phép (2 KB)." in resp.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"MAX_UPLOAD_BYTES_PER_USER": 1000}], indirect=True)
def test_per_user_upload_quota(app, client, listing):
    resp = upload(client, listing, (png_bytes(size=(300, 300), fmt="JPEG", quality=95), "a.jpg"))
    assert resp.status_code == 400
    assert "Bạn đã dùng hết dung lượng tải ảnh cho phép." in resp.get_data(as_text=True)
    assert stored_rows(app) == []


# ---------------------------------------------------------------- what is cleaned
def test_exif_gps_is_stripped_and_orientation_applied(app, client, listing):
    resp = upload(client, listing, (jpeg_with_gps_and_orientation(), "IMG_0001.jpg"))
    assert resp.status_code == 302
    [(name, fmt)] = stored_rows(app)
    assert fmt == "jpeg"
    path = images.original_path(app.config["UPLOAD_DIR"], name, fmt)
    raw = open(path, "rb").read()
    assert b"Exif" not in raw and b"SecretCamMaker" not in raw
    with Image.open(path) as img:
        assert len(img.getexif()) == 0 and "exif" not in img.info
        # Turned upright: 60x40 became 40x60, the red (left) half is now on top.
        assert img.size == (40, 60)
        top, bottom = img.convert("RGB").getpixel((20, 8)), img.convert("RGB").getpixel((20, 52))
        assert top[0] > 150 and top[2] < 100, top
        assert bottom[2] > 150 and bottom[0] < 100, bottom
    for size in images.THUMB_SIZES:
        thumb = open(images.thumb_path(app.config["UPLOAD_DIR"], name, size), "rb").read()
        assert b"Exif" not in thumb and b"SecretCamMaker" not in thumb
    # The stored name is random, never the uploaded file name.
    assert "IMG_0001" not in name and all(c in "0123456789abcdef" for c in name)


def test_appended_script_is_not_kept(app, client, listing):
    payload = b"<script>alert(document.cookie)</script><?php system($_GET['c']); ?>"
    polyglot = png_bytes(size=(80, 60), fmt="JPEG") + payload
    resp = upload(client, listing, (polyglot, "anh.jpg"))
    assert resp.status_code == 302
    [(name, fmt)] = stored_rows(app)
    root = app.config["UPLOAD_DIR"]
    for path in [images.original_path(root, name, fmt)] + [images.thumb_path(root, name, s) for s in images.THUMB_SIZES]:
        data = open(path, "rb").read()
        assert b"<script>" not in data and b"<?php" not in data
    # What the site serves is the clean file, with its image type and nosniff.
    served = client.get(f"/anh/original/{name}")
    assert served.status_code == 200 and b"<script>" not in served.data
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_png_text_chunks_are_dropped(app, client, listing):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    resp = upload(client, listing, (png_bytes(fmt="PNG", pnginfo=info), "anh.png"))
    assert resp.status_code == 302
    [(name, fmt)] = stored_rows(app)
    assert fmt == "png"
    assert b"<script>" not in open(images.original_path(app.config["UPLOAD_DIR"], name, fmt), "rb").read()


def test_several_photos_at_once_and_webp(app, client, listing):
    resp = upload(client, listing, (png_bytes(fmt="JPEG"), "1.jpg"), (png_bytes(fmt="PNG"), "2.png"),
                  (png_bytes(fmt="WEBP"), "3.webp"), alt_text="Hạt dẻ rang")
    assert resp.status_code == 302
    assert sorted(fmt for _, fmt in stored_rows(app)) == ["jpeg", "png", "webp"]
    with app.app_context():
        assert {i.alt_text for i in db.session.scalars(select(ProductImage))} == {"Hạt dẻ rang"}
    assert len(files_on_disk(app)) == 3 * (1 + len(images.THUMB_SIZES))


# ---------------------------------------------------------------- nothing half-saved
def test_failed_database_write_removes_the_stored_files(app, client, listing, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from ocop_market.catalog import photos

    def failing_attach(*args, **kwargs):
        raise IntegrityError("INSERT INTO product_images", {}, Exception("disk full"))

    monkeypatch.setattr(photos, "_attach", failing_attach)
    resp = upload(client, listing, (png_bytes(), "anh.png"))
    assert resp.status_code == 500
    assert "Traceback" not in resp.get_data(as_text=True)
    assert stored_rows(app) == [] and files_on_disk(app) == []


def test_failed_thumbnail_leaves_no_original(app, tmp_path, monkeypatch):
    def broken_thumbnails(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(images, "make_thumbnails", broken_thumbnails)
    root = str(tmp_path / "up")
    with pytest.raises(OSError):
        images.store_upload(png_bytes(), root, max_bytes=10**6, max_pixels=10**6)
    assert [f for _, _, fs in os.walk(root) for f in fs] == []


# ---------------------------------------------------------------- request size
LIMIT = 60_000
BOUNDARY = "ocop-test-boundary"


def multipart(token: str, file_bytes: bytes) -> bytes:
    """A multipart body built by hand: a fixed boundary makes its length exact."""
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"anh.jpg\"\r\n"
        f"Content-Type: image/jpeg\r\n\r\n"
    ).encode() + file_bytes + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": LIMIT}], indirect=True)
def test_one_byte_over_max_content_length_is_413(app, client, listing):
    token = csrf_from(client.get(listing).get_data(as_text=True))
    at_limit = LIMIT - len(multipart(token, b""))

    def post(file_size):
        body = multipart(token, b"x" * file_size)
        return client.post(listing, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}"), len(body)

    resp, length = post(at_limit + 1)
    assert length == LIMIT + 1
    assert resp.status_code == 413
    assert "Tệp hoặc biểu mẫu vượt quá giới hạn cho phép." in resp.get_data(as_text=True)
    # Exactly at the limit the request is read: the bytes are then refused as a non-image (400), not 413.
    resp, length = post(at_limit)
    assert length == LIMIT
    assert resp.status_code == 400
    assert REFUSED_TYPE in resp.get_data(as_text=True)
    assert stored_rows(app) == [] and files_on_disk(app) == []
