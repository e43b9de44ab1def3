import io

import pytest
from PIL import Image

from bench.digitizer_baseline import naive_baseline
from reuse_tracker.simulator import samples
from services.digitizer.pipeline import process_file
from services.digitizer.pipeline.outcome import Processed
from services.digitizer.pipeline.phash import hamming


@pytest.mark.slow
def test_baseline_hash_agrees_with_the_fast_path() -> None:
    for seed in (1, 2, 3):
        data = samples.a4_page(seed, jitter=seed)
        fast = process_file(data, "image/jpeg", build_archival_pdf=False)
        assert isinstance(fast, Processed)
        assert fast.dhash is not None
        assert hamming(naive_baseline(data), fast.dhash) <= 6


@pytest.mark.slow
def test_baseline_turns_the_page_upright() -> None:
    assert (
        hamming(
            naive_baseline(samples.a4_page(2, rotate_exif=6)), naive_baseline(samples.a4_page(2))
        )
        <= 4
    )


def test_baseline_decodes_everything_at_full_size() -> None:
    # The point of the baseline: it accepts any Pillow-readable page and decodes all of it.
    out = io.BytesIO()
    Image.new("L", (300, 200), 255).save(out, "PNG")
    assert naive_baseline(out.getvalue()) == 0
