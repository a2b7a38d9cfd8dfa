"""Checking typed form values by kind, and cleaning uploaded materials."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.applications.uploads import (
    EMPTY,
    TOO_BIG,
    TOO_MANY_PIXELS,
    UNSUPPORTED,
    clean_upload,
)
from app.catalog.schema import FieldDef, FieldKind, FieldOption, Text
from app.catalog.values import (
    NOT_A_DATE,
    NOT_AN_OPTION,
    NOT_MONEY,
    OUT_OF_RANGE,
    TOO_LONG,
    check_value,
    check_values,
    missing_fields,
)
from app.errors import RuleViolation
from app.text_input import has_invisible


def _field(kind: FieldKind, **extra: object) -> FieldDef:
    return FieldDef(key="x.y", label=Text(zh="字段", en="field"), kind=kind, group="g", **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (FieldKind.TEXT, "  张三  ", "张三"),
        (FieldKind.DATE, "2026-11-10", "2026-11-10"),
        (FieldKind.MONEY, "¥1,200.5", "1200.50"),
        (FieldKind.NUMBER, "８０", "80"),  # full-width digits are normalized
        (FieldKind.ID_NUMBER, "11010519491231002x", "11010519491231002X"),
        (FieldKind.CREDIT_CODE, "91350100M000100Y43", "91350100M000100Y43"),
        (FieldKind.PHONE, "138 0013 8000", "13800138000"),
        (FieldKind.BOOLEAN, "yes", "yes"),
        (FieldKind.TEXT, "", ""),
    ],
)
def test_a_well_formed_value_is_normalized(kind: FieldKind, raw: str, expected: str) -> None:
    assert check_value(_field(kind), raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (_field(FieldKind.DATE), "10/11/2026", NOT_A_DATE),
        (_field(FieldKind.MONEY), "12.345", NOT_MONEY),
        (_field(FieldKind.NUMBER, min_value=0, max_value=200), "250", OUT_OF_RANGE),
        (_field(FieldKind.TEXT, max_length=3), "abcd", TOO_LONG),
        (
            _field(
                FieldKind.SELECT, options=(FieldOption(value="a", label=Text(zh="甲", en="A")),)
            ),
            "b",
            NOT_AN_OPTION,
        ),
    ],
)
def test_a_malformed_value_is_refused_with_a_message_for_its_field(
    field: FieldDef, raw: str, message: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_value(field, raw)
    assert caught.value.fields == {"x.y": message}


def test_an_id_number_with_a_wrong_check_character_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_value(_field(FieldKind.ID_NUMBER), "110105194912310021")
    assert "x.y" in caught.value.fields


def test_every_bad_field_is_named_at_once_and_unknown_keys_are_ignored() -> None:
    fields = {"a": _field(FieldKind.DATE), "b": _field(FieldKind.MONEY)}
    fields = {k: FieldDef(key=k, label=f.label, kind=f.kind, group="g") for k, f in fields.items()}
    clean, problems = check_values(fields, {"a": "soon", "b": "x", "c": "ignored"})
    assert clean == {}
    assert set(problems) == {"a", "b"}
    assert missing_fields(["a", "b"], {"a": "2026-01-01"}) == {"b": "Please fill this in."}


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_upright_without_its_exif() -> None:
    clean = clean_upload(_jpeg_with_exif(), max_bytes=10**7, max_pixels=10**7, field="m")
    assert clean.content_type == "image/jpeg"
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.size == (48, 64)  # turned as the orientation said
        assert not stored.getexif()
    assert b"CameraMaker" not in clean.data


def _png_header(width: int, height: int) -> bytes:
    # A real small PNG whose header is rewritten to claim a huge image: refused from the
    # header, before anything is decoded.
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", EMPTY),
        (b"x" * 2000, UNSUPPORTED),
        (b"GIF89a" + b"\0" * 20, UNSUPPORTED),
        (_png_header(100_000, 100_000), TOO_MANY_PIXELS),
    ],
)
def test_empty_unknown_and_bomb_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        clean_upload(data, max_bytes=10**7, max_pixels=40_000_000, field="m")
    assert caught.value.fields == {"m": message}


def test_a_file_over_the_size_limit_is_refused_and_a_pdf_is_kept_as_sent() -> None:
    with pytest.raises(RuleViolation) as caught:
        clean_upload(b"%PDF-1.7" + b"0" * 100, max_bytes=50, max_pixels=1, field="m")
    assert caught.value.fields == {"m": TOO_BIG}
    pdf = b"%PDF-1.7\n%%EOF\n"
    assert clean_upload(pdf, max_bytes=100, max_pixels=1, field="m").data == pdf


@pytest.mark.parametrize(
    ("text", "multiline", "refused"),
    [
        ("张三", False, False),
        ("第一行\n第二行\t完", True, False),
        ("第一行\n第二行", False, True),
        ("👨\u200d👩\u200d👧", False, False),  # joiners build one emoji
        ("abc\u202egpj.exe", True, True),  # right-to-left override
        ("a\u2066b", False, True),  # isolate
        ("\ufeffabc", False, True),  # byte order mark
        ("a\x00b", True, True),
        ("a\x1b[31m", True, True),
        ("a\ue000", False, True),  # private use
    ],
)
def test_invisible_characters_are_refused_in_typed_text(
    text: str, multiline: bool, refused: bool
) -> None:
    assert has_invisible(text, multiline=multiline) is refused
