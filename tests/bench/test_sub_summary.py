"""The PUB/SUB row's summary of its subscribers: one thread that never got
past its warm-up (a late-scheduled one on a loaded machine) must not blank
the row, and must not be counted as a rate either."""
from __future__ import annotations

import math

from benchmarks.common import Meter, delivered, sub_summary


def _sub(rate: float, received: float) -> dict:
    return {"msgs_per_s": rate, "received": received}


def test_a_subscriber_without_a_window_is_left_out_of_the_rates() -> None:
    subs = [_sub(1000.0 * (i + 1), 50.0) for i in range(15)] + [_sub(math.nan, 7.0)]
    out = sub_summary(subs)
    assert out["subs_measured"] == 15
    assert out["per_sub_msgs_per_s"] == 8000.0  # the median of 1000..15000
    assert out["slowest_sub"] == 1000.0
    assert out["received"] == 50.0  # what it received still counts towards delivery


def test_no_subscriber_with_a_window_leaves_the_row_empty() -> None:
    out = sub_summary([_sub(math.nan, 3.0), _sub(math.nan, 0.0)])
    assert math.isnan(out["per_sub_msgs_per_s"]) and out["subs_measured"] == 0
    assert math.isnan(delivered(out, {"sent": 100})["delivered"])


def test_a_meter_still_in_its_warm_up_reports_what_it_received() -> None:
    m = Meter(warm=3600.0)
    for _ in range(5):
        m.add(64)
        m.stop()
    res = m.result()
    assert math.isnan(res["msgs_per_s"]) and res["received"] == 5.0
