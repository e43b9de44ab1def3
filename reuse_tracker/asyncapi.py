"""The event API of the three services as AsyncAPI 3.0 documents, from their FastStream brokers.

Each factory builds the service exactly as it runs (its `main()`, with throwaway local
settings), takes its broker and declares, for the document only, the topics the service
publishes to with `broker.publish` (FastStream only sees declared publishers). Generate with
`faststream docs gen --factory reuse_tracker.asyncapi:<service>` (`make asyncapi`); a test
fails when `schemas/asyncapi/<service>.json` no longer matches.
"""

from __future__ import annotations

import tempfile
import typing
from pathlib import Path
from typing import Any

import typing_extensions
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import SecretStr

from schemas.internal import Fact
from schemas.topics import publisher_topic, rejected_topic

VERSION = "1"
OUT_DIR = Path(__file__).resolve().parents[1] / "schemas" / "asyncapi"
SERVICES = ("ingest", "digitizer", "reuse")
_SCRATCH = Path(tempfile.gettempdir()) / "reuse-tracker-asyncapi"
# The rejected topic of any root, as the document names it: dossier-events.{root}.rejected
_REJECTED = rejected_topic(publisher_topic("{root}"))


# A refused event goes back unchanged: any contract-v1 event (schemas/v1/), or bytes that
# were not one at all.
RejectedEvent = dict[str, Any]


def portable(td: Any) -> Any:
    """A `typing.TypedDict` (which pydantic refuses on Python 3.11) as the same
    `typing_extensions.TypedDict`, nested TypedDicts included."""
    if not typing.is_typeddict(td):
        args = typing.get_args(td)
        origin = typing.get_origin(td)
        if origin is not None and args and any(typing.is_typeddict(a) for a in args):
            new = tuple(portable(a) for a in args)
            return origin[new[0] if len(new) == 1 else new]
        return td
    hints = typing.get_type_hints(td, include_extras=True)
    fields = {name: portable(hint) for name, hint in hints.items()}
    return typing_extensions.TypedDict(td.__name__, fields)  # type: ignore[operator]


PortableFact = portable(Fact)


def _spec(broker: KafkaBroker, service: str, description: str) -> FastStream:
    return FastStream(
        broker,
        specification=AsyncAPI(
            title=f"reuse-tracker {service}",
            version=VERSION,
            description=description,
        ),
    )


def ingest() -> FastStream:
    """The ingest service's event API."""
    from services.ingest.app import main
    from services.ingest.settings import IngestSettings

    settings = IngestSettings(var_dir=_SCRATCH, hash_key=SecretStr("00" * 32))
    broker: KafkaBroker = main(settings).state.broker
    broker.publisher(
        settings.facts_topic,
        title="facts",
        description="Accepted non-file events, normalized (applicant ID hashed), keyed by "
        "dossier or agency code.",
        schema=PortableFact,
    )
    broker.publisher(
        settings.files_topic,
        title="files",
        description="Accepted events that name a file in the S3 inbox, for the digitizer.",
        schema=PortableFact,
    )
    broker.publisher(
        _REJECTED,
        title="rejected",
        description="Refused events, unchanged, with headers error.code, error.detail, "
        "source.topic, source.partition and source.offset.",
        schema=RejectedEvent,
    )
    return _spec(broker, "ingest", "Checks every publisher event against the contract.")


def digitizer() -> FastStream:
    """The digitizer service's event API."""
    from services.digitizer.app import main
    from services.digitizer.settings import DigitizerSettings

    settings = DigitizerSettings(var_dir=_SCRATCH)
    broker: KafkaBroker = main(settings).state.broker
    broker.publisher(
        settings.digitized_topic,
        title="digitized",
        description="File facts with the digitizer's outcome (`file`: stored or rejected).",
        schema=PortableFact,
    )
    broker.publisher(
        _REJECTED,
        title="rejected",
        description="Events whose file was refused, unchanged, with the error headers.",
        schema=RejectedEvent,
    )
    return _spec(broker, "digitizer", "Verifies, normalizes and archives scanned files.")


def reuse() -> FastStream:
    """The reuse service's event API (it publishes nothing)."""
    from services.reuse.app import main
    from services.reuse.settings import ReuseSettings

    broker: KafkaBroker = main(ReuseSettings(var_dir=_SCRATCH)).state.broker
    return _spec(broker, "reuse", "Projects facts and outcomes into the indicators.")


def document(service: str) -> dict[str, Any]:
    """The AsyncAPI document of one service, as `faststream docs gen` writes it."""
    app: FastStream = {"ingest": ingest, "digitizer": digitizer, "reuse": reuse}[service]()
    assert app.schema is not None
    spec: dict[str, Any] = app.schema.to_specification().to_jsonable()
    return spec
