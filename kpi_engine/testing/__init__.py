"""What a connector's tests need: a loopback replay server (``ReplayServer``) and a
conformance suite (``kpi_engine.testing.conformance``). See docs/writing-a-connector.md."""

from .replay_server import FAULTS, RecordedRequest, ReplayServer, Reply

__all__ = ["FAULTS", "RecordedRequest", "Reply", "ReplayServer"]
