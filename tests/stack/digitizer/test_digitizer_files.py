"""Real files through the real broker into the real S3 archive: each type stored with its
objects and row, the same bytes stored once, each bad file refused with its code."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families
from pypdf import PdfReader

from reuse_tracker.simulator import samples
from reuse_tracker.system import scrape
from tests.support import factories as f
from tests.support.kafka_io import wait_for

from .harness import REJECTED, ROOT, TOPIC, UNIT, DigitizerStack, sha256

pytestmark = pytest.mark.stack


@dataclass(frozen=True)
class Good:
    """A file that must be stored, and what the archive must hold for it."""

    event: dict[str, Any]
    data: bytes
    kind: str
    pages: int
    min_dpi: float | None
    below_standard: bool


@dataclass(frozen=True)
class Published:
    """What the module published."""

    good: dict[str, Good]
    duplicate: dict[str, Any]  # a second dossier submitting the JPEG of good["jpeg"]
    bad: dict[str, dict[str, Any]]  # one event per rejection code
    e_results: dict[str, tuple[dict[str, Any], bool]]  # event and its expected e_result flag
    outcomes: dict[str, list[dict[str, Any]]]  # tracker.digitized once everything was announced


def _good(ds: DigitizerStack) -> dict[str, Good]:
    jpeg = samples.a4_page(31)
    low = samples.a4_page(32, dpi=150)
    png = samples.png_page(33)
    tiff = samples.tiff_pages(3, text_seed=34)
    pdf = samples.pdf_doc(2, signed=True)
    return {
        "jpeg": Good(ds.file_event("a.jpg", jpeg, "image/jpeg"), jpeg, "jpeg", 1, 200, False),
        "jpeg_150dpi": Good(ds.file_event("b.jpg", low, "image/jpeg"), low, "jpeg", 1, 150, True),
        "png": Good(ds.file_event("c.png", png, "image/png"), png, "png", 1, 200, False),
        "tiff": Good(ds.file_event("d.tif", tiff, "image/tiff"), tiff, "tiff", 3, 200, False),
        "pdf": Good(
            ds.file_event(
                "kq.pdf", pdf, "application/pdf", event_type="result.issued", electronic=True
            ),
            pdf,
            "pdf",
            2,
            None,
            False,
        ),
    }


def _bad(ds: DigitizerStack) -> dict[str, dict[str, Any]]:
    page = samples.a4_page(35)
    png_bytes, declared = samples.mismatched()
    return {
        "image_too_large": ds.file_event("bomb.png", samples.decompression_bomb_png(), "image/png"),
        "corrupt_file": ds.file_event("cut.jpg", samples.truncated_jpeg(), "image/jpeg"),
        "image_too_large/tiff": ds.file_event(
            "many.tif", samples.thousand_page_tiff(3000), "image/tiff"
        ),
        "unsupported_file": ds.file_event("png-as.jpg", png_bytes, declared),
        "unsupported_file/encrypted": ds.file_event(
            "locked.pdf", samples.pdf_doc(1, encrypted=True), "application/pdf"
        ),
        "invalid_object_key": ds.file_event(
            "x.jpg", page, "image/jpeg", upload=False, object_changes={"key": "H52/../H44/x.jpg"}
        ),
        "checksum_mismatch": ds.file_event(
            "sum.jpg", page, "image/jpeg", object_changes={"sha256": sha256(b"other bytes")}
        ),
        "object_missing": ds.file_event("never.jpg", page, "image/jpeg", upload=False),
    }


def _e_results(ds: DigitizerStack) -> dict[str, tuple[dict[str, Any], bool]]:
    scan = samples.a4_page(36)
    url = "https://dichvucong.example/kq/1.pdf"
    return {
        "url_only": (
            f.envelope(
                "result.issued",
                UNIT,
                ds.dossier(),
                {"result_code": "KQ-url", "issued_at": f.T0, "electronic": True, "file_url": url},
            ),
            True,
        ),
        "refused_file_with_url": (
            ds.file_event(
                "kq-cut.jpg",
                samples.truncated_jpeg(0.5),
                "image/jpeg",
                event_type="result.issued",
                electronic=True,
                file_url=url,
            ),
            True,
        ),
        "refused_file_only": (
            ds.file_event(
                "kq-cut2.jpg",
                samples.truncated_jpeg(0.4),
                "image/jpeg",
                event_type="result.issued",
                electronic=True,
            ),
            False,
        ),
        "paper_result_stored": (
            ds.file_event(
                "kq-paper.jpg", scan, "image/jpeg", event_type="result.issued", electronic=False
            ),
            False,
        ),
    }


@pytest.fixture(scope="module")
def published(dstack: DigitizerStack) -> Published:
    """Publish every case and wait until the digitizer announced each file event."""
    good = _good(dstack)
    jpeg = good["jpeg"]
    duplicate = dstack.file_event("again.jpg", jpeg.data, "image/jpeg")
    bad = _bad(dstack)
    e_results = _e_results(dstack)
    events = [g.event for g in good.values()] + [duplicate] + list(bad.values())
    events += [e for e, _ in e_results.values()]
    dstack.publish(events)
    expected = {e["event_id"] for e in events} - {bad["invalid_object_key"]["event_id"]}
    outcomes = wait_for(
        "an outcome for every file event",
        dstack.outcomes,
        lambda found: expected <= set(found),
        timeout=120,
    )
    return Published(good, duplicate, bad, e_results, outcomes)


def _outcome(published: Published, event: dict[str, Any]) -> dict[str, Any]:
    facts = published.outcomes[event["event_id"]]
    assert len(facts) == 1, "each file event is announced exactly once"
    file: dict[str, Any] = facts[0]["file"]
    return file


def test_each_file_type_is_stored_with_its_objects_and_row(
    dstack: DigitizerStack, published: Published
) -> None:
    archive = dstack.s3()
    documents = {r["sha256"]: r for r in dstack.rows("digitizer_documents")}
    submissions = {r["event_id"]: r for r in dstack.rows("digitizer_submissions")}
    for name, good in published.good.items():
        outcome = _outcome(published, good.event)
        sha = sha256(good.data)
        key = f"sha256/{sha[:2]}/{sha[2:4]}/{sha}"
        assert outcome["status"] == "stored", (name, outcome)
        assert (outcome["sha256"], outcome["archive_key"], outcome["kind"]) == (sha, key, good.kind)
        assert outcome["pages"] == good.pages, name
        assert outcome["below_standard"] is good.below_standard, name
        original = archive.get_object("archive", key).read()
        assert original == good.data, name
        row = documents[sha]
        assert (row["kind"], row["size"], row["pages"]) == (good.kind, len(good.data), good.pages)
        assert row["min_dpi"] == good.min_dpi, name
        assert bool(row["below_standard"]) is good.below_standard, name
        assert row["stored_at"], name
        sub = submissions[good.event["event_id"]]
        assert (sub["status"], sub["sha256"], sub["dossier_code"]) == (
            "stored",
            sha,
            good.event["dossier_code"],
        )
        if good.kind == "pdf":
            # A PDF is kept as it came: no rendition, no thumbnail, no image hash.
            assert row["dhash"] is None
            assert bool(row["pdf_signed"]) is True
            assert outcome["pdf_signed"] is True
            assert f"{key}.pdf" not in dstack.archive_keys()
            assert sub["result_code"] == good.event["data"]["result_code"]
            continue
        assert sub["component_code"] == "TP1"
        assert len(row["dhash"]) == 16, name
        assert row["dhash"] == outcome["phash"], name
        assert json.loads(row["page_dpi"]) == [good.min_dpi] * good.pages, name
        rendition = archive.get_object("archive", f"{key}.pdf").read()
        assert len(PdfReader(io.BytesIO(rendition)).pages) == good.pages, name
        assert row["archival_size"] == len(rendition)
        thumb = archive.get_object("archive", f"{key}.webp").read()
        with Image.open(io.BytesIO(thumb)) as img:
            assert img.format == "WEBP"
            assert max(img.size) <= 256
        assert row["thumbnail_size"] == len(thumb)


def test_the_same_bytes_from_two_dossiers_are_stored_once_and_linked_twice(
    dstack: DigitizerStack, published: Published
) -> None:
    first, again = published.good["jpeg"].event, published.duplicate
    assert first["dossier_code"] != again["dossier_code"]
    sha = sha256(published.good["jpeg"].data)
    assert _outcome(published, again)["status"] == "stored"
    assert _outcome(published, again)["sha256"] == sha
    links = [r for r in dstack.rows("digitizer_submissions") if r["sha256"] == sha]
    assert sorted(r["dossier_code"] for r in links) == sorted(
        [first["dossier_code"], again["dossier_code"]]
    )
    assert [r["sha256"] for r in dstack.rows("digitizer_documents")].count(sha) == 1
    stored = [k for k in dstack.archive_keys() if sha in k]
    assert sorted(stored) == sorted(
        f"sha256/{sha[:2]}/{sha[2:4]}/{sha}{suffix}" for suffix in ("", ".pdf", ".webp")
    )


def test_each_bad_file_is_refused_with_its_code_and_recorded_as_an_attempt(
    dstack: DigitizerStack, published: Published
) -> None:
    def by_event() -> dict[str, tuple[dict[str, str], bytes]]:
        return {json.loads(value)["event_id"]: (h, value) for h, value in dstack.rejections()}

    refusals: dict[str, tuple[dict[str, str], bytes]] = wait_for(
        "a rejection for every bad file",
        by_event,
        lambda found: {e["event_id"] for e in published.bad.values()} <= set(found),
    )
    submissions = {r["event_id"]: r for r in dstack.rows("digitizer_submissions")}
    for case, event in published.bad.items():
        code = case.split("/")[0]
        headers, value = refusals[event["event_id"]]
        assert headers["error.code"] == code, (case, headers)
        assert headers["error.detail"], case
        assert headers["source.topic"] == TOPIC
        assert int(headers["source.partition"]) >= 0
        assert int(headers["source.offset"]) >= 0
        assert json.loads(value) == event, "the publisher's event comes back unchanged"
        if code == "invalid_object_key":
            # Refused at intake: the digitizer never sees it, ingest records the refusal.
            assert event["event_id"] not in published.outcomes
            refused = dstack.rows("ingest_rejections", service="ingest")
            assert any(
                r["code"] == code and r["offset"] == int(headers["source.offset"]) for r in refused
            )
            continue
        outcome = _outcome(published, event)
        assert (outcome["status"], outcome["code"]) == ("rejected", code), case
        attempt = submissions[event["event_id"]]
        assert (attempt["status"], attempt["rejection_code"], attempt["sha256"]) == (
            "rejected",
            code,
            None,
        ), case
    assert all(h["source.topic"] == TOPIC for h, _ in dstack.rejections()), REJECTED


def test_e_results_are_flagged_by_the_rule(dstack: DigitizerStack, published: Published) -> None:
    for case, (event, expected) in published.e_results.items():
        assert _outcome(published, event)["e_result"] is expected, case
    assert _outcome(published, published.good["pdf"].event)["e_result"] is True
    assert _outcome(published, published.good["jpeg"].event)["e_result"] is False


def test_stored_objects_read_back_with_boto3(dstack: DigitizerStack, published: Published) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=dstack.ports.s3_endpoint,
        aws_access_key_id="tracker",
        aws_secret_access_key="tracker-secret",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"}),
    )
    try:
        for name, good in published.good.items():
            sha = sha256(good.data)
            prefix = f"sha256/{sha[:2]}/{sha[2:4]}/{sha}"
            listed = s3.list_objects_v2(Bucket="archive", Prefix=prefix)
            keys = {o["Key"] for o in listed.get("Contents", [])}
            assert prefix in keys, name
            got = s3.get_object(Bucket="archive", Key=prefix)
            assert sha256(got["Body"].read()) == sha, name
            assert got["ContentLength"] == len(good.data)
            assert got["ContentType"] == good.event["data"]["object"]["content_type"]
            if good.kind != "pdf":
                head = s3.head_object(Bucket="archive", Key=f"{prefix}.pdf")
                assert head["ContentType"] == "application/pdf"
                assert s3.head_object(Bucket="archive", Key=f"{prefix}.webp")["ContentLength"] > 0
    finally:
        s3.close()


def test_metrics_count_by_root_and_code(dstack: DigitizerStack, published: Published) -> None:
    counts = scrape(dstack.ports.digitizer_http)
    # Stored: five good files, the duplicate and the paper result's scan.
    assert counts["tracker_digitizer_files_stored_total"] >= 7
    # Refused by the digitizer: seven bad files (the key with `..` is ingest's) and two results.
    assert counts["tracker_digitizer_files_rejected_total"] >= 9
    assert counts["tracker_digitizer_below_standard_total"] >= 1
    text = dstack.metrics_text()
    refused = {
        (sample.labels["root"], sample.labels["code"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tracker_digitizer_files_rejected_total"
    }
    assert refused[(ROOT, "image_too_large")] == 2  # the bomb and the 3,000-page TIFF
    assert refused[(ROOT, "corrupt_file")] == 3
    assert refused[(ROOT, "unsupported_file")] == 2
    for event in (*published.bad.values(), *(e for e, _ in published.e_results.values())):
        assert event["dossier_code"] not in text
