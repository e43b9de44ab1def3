"""Real files: 200-dpi A4 JPEG scans (some rotated by EXIF) and result PDFs, in a process pool."""

from __future__ import annotations

import hashlib
import io
import json
import warnings

import pytest
from PIL import Image
from pypdf import PdfReader

from reuse_tracker.simulator.generate import generate
from reuse_tracker.simulator.pages import PageSpec, render_all, result_pdf
from reuse_tracker.simulator.rates import Rates
from tests.unit.simulator.scenarios import PERIOD
from tests.unit.simulator.standin import tiny_page

A4_200 = (1654, 2339)


@pytest.mark.slow
def test_a_small_province_with_real_pages() -> None:
    rates = Rates(
        scanned=0.6,
        counter=1,
        online=0,
        e_result=0.7,
        e_result_file_url=0,
        e_result_jpeg=0.3,
        rotated=0.5,
        checksum_mismatch=0,
        object_missing=0,
    )
    scenario = generate("H44", 12, 3, rates, PERIOD, workers=2)
    kinds: dict[str, int] = {}
    for event in scenario.events:
        for key, data, content_type in event.files:
            obj = json.loads(event.value)["data"]["object"]
            assert obj["sha256"] == hashlib.sha256(data).hexdigest()
            if content_type == "image/jpeg":
                with Image.open(io.BytesIO(data)) as image:
                    assert image.format == "JPEG"
                    turned = image.getexif().get(0x0112) == 6
                    assert image.size == (A4_200[::-1] if turned else A4_200)
                    kinds["rotated" if turned else "upright"] = 1
            else:
                assert content_type == "application/pdf"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    assert len(PdfReader(io.BytesIO(data)).pages) == 1
                kinds["pdf"] = 1
            assert key.startswith("H44/")
    assert kinds == {"rotated": 1, "upright": 1, "pdf": 1}


def test_a_rescan_is_new_bytes_of_the_same_paper() -> None:
    first, again = render_all([PageSpec("scan", 11), PageSpec("scan", 11, jitter=1)], workers=0)
    assert first != again
    assert first == render_all([PageSpec("scan", 11)], workers=0)[0]


@pytest.mark.slow
def test_the_pool_keeps_order_and_matches_serial() -> None:
    specs = [PageSpec("scan", n, jitter=n % 2) for n in range(20)] + [
        PageSpec("pdf", n, title=f"KQ{n}", stamp=n) for n in range(5)
    ]
    assert render_all(specs, tiny_page, workers=2) == render_all(specs, tiny_page, workers=0)


def test_result_pdf_is_deterministic() -> None:
    assert result_pdf(1, "KQ.1", 1_767_225_600) == result_pdf(1, "KQ.1", 1_767_225_600)
    assert result_pdf(1, "KQ.1", 1_767_225_600) != result_pdf(2, "KQ.2", 1_767_225_600)
