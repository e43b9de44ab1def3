"""The local stack: SeaweedFS (S3 API), the Tansu broker (Kafka API), topics and services, all
on 127.0.0.1, started and stopped from Python."""

from .broker import start_tansu
from .ports import PortTaken, StackPorts, ensure_free
from .process import ManagedProcess, StackError
from .s3 import S3Identity, ensure_buckets, publisher_identity, start_seaweedfs
from .stack import LocalStack, StackConfig
from .topics import TopicSpec, default_topics, ensure_topics

__all__ = [
    "LocalStack",
    "ManagedProcess",
    "PortTaken",
    "S3Identity",
    "StackConfig",
    "StackError",
    "StackPorts",
    "TopicSpec",
    "default_topics",
    "ensure_buckets",
    "ensure_free",
    "ensure_topics",
    "publisher_identity",
    "start_seaweedfs",
    "start_tansu",
]
