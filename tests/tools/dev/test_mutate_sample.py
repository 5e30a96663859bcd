"""tools/vstarcam_tools/dev/mutate_sample.py (``make mutate-sample``): the draw is uniform
and reproducible, the interval is Wilson's, and mutant names map to their module."""

from __future__ import annotations

from types import ModuleType

import pytest
from vstarcam_tools.dev import mutate_sample


@pytest.fixture(scope="module")
def sample() -> ModuleType:
    return mutate_sample


NAMES = [f"vstarcam_push.m{i % 7}.x_f__mutmut_{i}" for i in range(500)]


def test_the_same_seed_draws_the_same_mutants_whatever_the_listing_order(
    sample: ModuleType,
) -> None:
    first = sample.draw(NAMES, 40, seed=9)
    again = sample.draw(list(reversed(NAMES)), 40, seed=9)
    assert first == again
    assert len(set(first)) == 40
    assert set(first) <= set(NAMES)
    assert sample.draw(NAMES, 40, seed=10) != first


def test_a_draw_larger_than_the_layer_takes_every_mutant_once(sample: ModuleType) -> None:
    assert sample.draw(NAMES[:5], 40, seed=9) == sorted(NAMES[:5])


def test_the_draw_reaches_every_part_of_the_listing(sample: ModuleType) -> None:
    # Uniform, not the first N: 200 of 500 reach both ends of the sorted list.
    drawn = sample.draw(NAMES, 200, seed=9)
    ordered = sorted(NAMES)
    positions = [ordered.index(name) for name in drawn]
    assert min(positions) < 50
    assert max(positions) > 450


@pytest.mark.parametrize(
    ("killed", "total", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 100, 0.7222, 0.8749),
    ],
)
def test_the_interval_is_wilsons(
    sample: ModuleType, killed: int, total: int, low: float, high: float
) -> None:
    got_low, got_high = sample.wilson(killed, total)
    assert got_low == pytest.approx(low, abs=5e-4)
    assert got_high == pytest.approx(high, abs=5e-4)


def test_names_map_to_their_module_for_functions_and_methods(sample: ModuleType) -> None:
    assert sample.module_of("vstarcam_push.dal.cameras.x_clean_name__mutmut_2") == "dal.cameras"
    assert (
        sample.module_of("vstarcam_push.delivery.channels.slack.xǁSlackǁsend__mutmut_5")
        == "delivery.channels.slack"
    )


def test_a_timeout_counts_as_killed_and_no_tests_as_not(sample: ModuleType) -> None:
    assert sample.status_of(1) == "killed"
    assert sample.status_of(-24) == "timeout"
    assert sample.status_of(33) == "no tests"
    assert sample.status_of(0) == "survived"
    assert sample.status_of(None) == "not run"
    assert sample.status_of(-11) == "other"


def test_a_larger_draw_with_the_same_seed_extends_the_smaller_one(sample: ModuleType) -> None:
    """With thousands of mutants CPython's ``sample`` draws one index at a time, so a run
    with a larger N re-runs the smaller sample's mutants and adds new ones."""
    layer = [f"vstarcam_push.m{i % 31}.x_f__mutmut_{i}" for i in range(7_500)]
    small, large = sample.draw(layer, 120, seed=9), sample.draw(layer, 340, seed=9)
    assert set(small) < set(large)
