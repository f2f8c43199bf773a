"""Replay what an app's keychain calls did on a device, in the model, and report where they differ.

A recording (docs/recording.md) is written on a device by ``probes/device/KeychainRecorder.swift``, or in
Python from a trace of the model by :func:`recording_of`. :func:`replay` runs it again in a fresh model
through the engine session the Swift library uses, and returns a :class:`ReplayReport`: every call whose
outcome differs between the device and the model, explained with the replay's history, and the inputs the
replay could not reproduce named rather than blamed on the model.
"""

from __future__ import annotations

from keychainsim.replay.recorder import recording_of
from keychainsim.replay.recording import Call, Recording, read_recording
from keychainsim.replay.replayer import replay
from keychainsim.replay.report import CallOutcome, ReplayReport

__all__ = ["Call", "CallOutcome", "Recording", "ReplayReport", "read_recording", "recording_of", "replay"]
