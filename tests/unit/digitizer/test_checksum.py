import hashlib

from services.digitizer.pipeline.checksum import check_checksum
from services.digitizer.pipeline.limits import Limits
from services.digitizer.pipeline.outcome import Rejected

DATA = b"hello scans"
DIGEST = hashlib.sha256(DATA).hexdigest()


def test_returns_the_lowercase_hex_digest() -> None:
    assert check_checksum(DATA, None, Limits()) == DIGEST


def test_expected_digest_matches_whatever_its_case() -> None:
    assert check_checksum(DATA, DIGEST.upper(), Limits()) == DIGEST
    assert check_checksum(DATA, f" {DIGEST}\n", Limits()) == DIGEST


def test_mismatch_names_both_digests() -> None:
    other = "0" * 64
    outcome = check_checksum(DATA, other, Limits())
    assert isinstance(outcome, Rejected)
    assert outcome.code == "checksum_mismatch"
    assert DIGEST in outcome.detail
    assert other in outcome.detail


def test_malformed_expected_digest_is_a_mismatch_without_echoing_it() -> None:
    outcome = check_checksum(DATA, "not-a-digest<script>", Limits())
    assert isinstance(outcome, Rejected)
    assert outcome.code == "checksum_mismatch"
    assert "<script>" not in outcome.detail


def test_oversized_file_is_refused_before_hashing() -> None:
    outcome = check_checksum(bytes(101), None, Limits(max_bytes=100))
    assert outcome == Rejected("image_too_large", "file is 101 bytes, over the limit of 100 bytes")


def test_file_at_the_limit_passes() -> None:
    assert (
        check_checksum(bytes(100), None, Limits(max_bytes=100))
        == hashlib.sha256(bytes(100)).hexdigest()
    )
