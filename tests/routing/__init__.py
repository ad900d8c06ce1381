"""Tests of the pure routing core: direct calls, hand-written fakes, hypothesis properties."""
