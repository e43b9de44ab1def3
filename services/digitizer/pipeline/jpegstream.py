"""The JPEG marker structure, to copy a JPEG's compressed data into a PDF without re-encoding."""

from __future__ import annotations

from typing import Final

_SOI: Final = b"\xff\xd8"
_EOI: Final = b"\xff\xd9"
_SOS: Final = 0xDA
_APP0: Final = 0xE0
_APP2: Final = 0xE2
_APP14: Final = 0xEE
_COM: Final = 0xFE
_ICC_SIGNATURE: Final = b"ICC_PROFILE\x00"


def clean_jpeg(data: bytes) -> bytes | None:
    """The JPEG from SOI to EOI with metadata segments left out, or None if not understood.

    Kept: JFIF (APP0), ICC profile (APP2), Adobe (APP14) and every non-APP segment, so the
    decoded pixels are unchanged. Dropped: EXIF/XMP (APP1), Photoshop/IPTC (APP13), MPF and
    other APPn, comments, and anything after EOI (a trailing second file, say).
    """
    if not data.startswith(_SOI):
        return None
    out = [_SOI]
    pos = 2
    size = len(data)
    while pos + 1 < size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            out.append(_EOI)
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        if pos + 4 > size:
            return None
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > size:
            return None
        if _keep(marker, data[pos + 4 : end]):
            out.append(data[pos:end])
        pos = end
        if marker == _SOS:
            scan_end = _entropy_end(data, pos)
            if scan_end is None:
                return None
            out.append(data[pos:scan_end])
            pos = scan_end
    return None


def _keep(marker: int, payload: bytes) -> bool:
    if marker == _COM:
        return False
    if 0xE0 <= marker <= 0xEF:
        if marker == _APP2:
            return payload.startswith(_ICC_SIGNATURE)
        return marker in (_APP0, _APP14)
    return True


def _entropy_end(data: bytes, pos: int) -> int | None:
    """Where the entropy-coded data starting at ``pos`` ends: the next real marker."""
    size = len(data)
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= size:
            return None
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            pos = found + 2
        elif following == 0xFF:  # fill bytes before a marker
            pos = found + 1
        else:
            return found
