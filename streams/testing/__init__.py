"""Helpers for tests of CarePulse and of code that feeds it: scenarios and their audit
report (`scenario`), simulated traffic (`simulate`) and the worker-process harness
(`worker`). `Scenario`, `report_of` and `shifted` are importable from here."""

from streams.testing.scenario import DAY, Scenario, report_of, shifted

__all__ = ["DAY", "Scenario", "report_of", "shifted"]
