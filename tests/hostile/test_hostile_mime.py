"""Every case of the hostile corpus parsed in its own process, under an address-space limit and a timer: the
parse settles within 30 s with a peak RSS under 300 MiB, keeps the raw MIME whole, and says which bounds it
reached. Once as raw MIME (parse_mime) and once as the worker reads a forward() to a "mime" URL (the signed
form decoded, then parsed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.corpus import CASES

ROOT = Path(__file__).resolve().parents[2]
MAX_SECONDS = 30
MAX_RSS_MIB = 300
# The process may map this much at most: a parser that regresses fails here instead of taking the machine.
ADDRESS_SPACE_MIB = 1024
# What each case must report among its bounds (a word of the reason).
EXPECTED_BOUND = {
    "filename_encoded_words": "over",
    "empty_parts": "parts past",
    "folded_content_type_params": None,
    "deep_nesting": "nested past",
    "deep_nesting_closed": "nested past",
    "huge_header_line": "over",
    "huge_address_list": "over",
    "many_headers": "headers past",
    "many_encoded_words_subject": "over",
    "many_encoded_words_per_part": None,
    "many_disposition_params": "over",
    "boundary_abuse": "over",
    "boundary_lines_only": "parts past",
    "parts_without_end_boundary": "parts past",
    "header_block_without_end": "over",
    "quotes_in_disposition": None,
    "semicolons_in_quoted_filename": None,
    "many_params_within_size": "parameters past",
    "many_encoded_words_within_size": "encoded words past",
    "address_groups": None,
}


def measured(case: str, *options: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.hostile.measure",
            case,
            "--limit-mib",
            str(ADDRESS_SPACE_MIB),
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS * 3,  # generation and start-up come on top of the parse
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_case_has_its_expectation() -> None:
    assert set(EXPECTED_BOUND) == set(CASES)


# The worker's whole path (the form decoded, then parsed) for the cases that reproduce the reports and the
# largest ones; the parse alone for every case.
FORWARDED = ("filename_encoded_words", "empty_parts", "folded_content_type_params", "huge_header_line",
             "boundary_lines_only", "parts_without_end_boundary")  # fmt: skip
RUNS = [(case, ()) for case in sorted(CASES)] + [(case, ("--mime-forward",)) for case in FORWARDED]


@pytest.mark.parametrize(
    ("case", "how"), RUNS, ids=[f"{case}{'-forwarded' if how else ''}" for case, how in RUNS]
)
def test_hostile_message_is_parsed_within_bounds(case: str, how: tuple[str, ...]) -> None:
    result = measured(case, *how)

    assert result["outcome"] == "parsed"
    assert result["seconds"] < MAX_SECONDS
    assert result["rss_peak_mib"] < MAX_RSS_MIB
    assert result["raw_intact"]
    expected = EXPECTED_BOUND[case]
    if expected is not None:
        assert any(expected in reason for reason in result["bounded"]), result["bounded"]
