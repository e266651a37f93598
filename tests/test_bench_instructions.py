"""bench/instructions.py (`make bench-instructions`) reads valgrind's instruction count; the counting itself needs
valgrind and the benchmark world, so it is a benchmark, not a test."""

import re

import pytest

from bench import instructions

VALGRIND_TAIL = """==26544== Events    : Ir
==26544== Collected : 8516261407
==26544==
==26544== I   refs:      8,516,261,407
"""


def test_the_count_is_valgrind_s_collected_line():
    assert instructions.collected(VALGRIND_TAIL) == 8_516_261_407


def test_no_count_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="no instruction count"):
        instructions.collected("==1== Callgrind, a call-graph generating cache profiler\n")


def test_the_default_pages_are_pages_of_bench_pages():
    """Read from bench/pages.py's PAGES without importing it (it sets the benchmark's environment on import)."""
    source = (instructions.ROOT / "bench" / "pages.py").read_text()
    keys = set(re.findall(r'^    \("([a-z_]+)", "', source, re.MULTILINE))
    assert {"trivial", "editor", "portal"} <= keys
    assert set(instructions.DEFAULT_PAGES) <= keys
