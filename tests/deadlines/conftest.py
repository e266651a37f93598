"""Shared fixtures of the deadline tests."""

from .test_sweep import pupil  # noqa: F401 - the pupil walked through the reminders, reused by test_fan_out
