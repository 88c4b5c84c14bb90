"""thermo.diagnostics.metrics: air-cooling metrics against hand-computed values.

Each expected value is worked out in the comment above it; every comparison
prints what it compares (``pytest -s`` or on failure).
"""
import json
import math
from collections import namedtuple

import pytest

from thermo.diagnostics.metrics import (
    ASHRAE_ENVELOPES, ashrae_class, fan_power, first_crossing, format_server_table,
    recirculation_bypass, rci, rti, server_metrics,
)


def check(what, got, want, rel=1e-12, abs_=1e-12):
    print(f"{what}: got {got!r}, want {want!r}")
    numeric = isinstance(want, (int, float)) or (
        isinstance(want, (list, tuple)) and all(isinstance(x, (int, float)) for x in want))
    if want is None or isinstance(want, bool) or not numeric:
        assert got == want, what
    else:
        assert got is not None and got == pytest.approx(want, rel=rel, abs=abs_), what


# --------------------------------------------------------------------------- ASHRAE

def test_envelope_data_is_the_published_table():
    want = {"A1": (15.0, 32.0), "A2": (10.0, 35.0), "A3": (5.0, 40.0), "A4": (5.0, 45.0)}
    for cls, allowable in want.items():
        check(f"{cls} recommended", ASHRAE_ENVELOPES[cls]["recommended"], (18.0, 27.0))
        check(f"{cls} allowable", ASHRAE_ENVELOPES[cls]["allowable"], allowable)


@pytest.mark.parametrize("t, env, want", [
    (18.0, "A1", "recommended"), (27.0, "A1", "recommended"), (22.5, "A1", "recommended"),
    (17.9, "A1", "allowable"), (27.1, "A1", "allowable"), (15.0, "A1", "allowable"),
    (32.0, "A1", "allowable"), (14.9, "A1", "outside"), (32.1, "A1", "outside"),
    (33.0, "A2", "allowable"), (35.0, "A2", "allowable"), (35.5, "A2", "outside"),
    (10.0, "A2", "allowable"), (9.9, "A2", "outside"), (25.0, "A2", "recommended"),
    (40.0, "A3", "allowable"), (40.1, "A3", "outside"), (5.0, "A3", "allowable"),
    (4.9, "A3", "outside"), (44.0, "A4", "allowable"), (45.0, "A4", "allowable"),
    (45.1, "A4", "outside"), (4.9, "A4", "outside"), (27.0, "a4", "recommended"),
])
def test_ashrae_class(t, env, want):
    check(f"ashrae_class({t}, {env})", ashrae_class(t, env), want)


def test_ashrae_class_default_is_a1_and_bad_input_raises():
    check("default envelope at 33 C", ashrae_class(33.0), "outside")
    for bad in (("A5",), ("H1",)):
        with pytest.raises(ValueError, match="unknown ASHRAE class"):
            ashrae_class(20.0, *bad)
    with pytest.raises(ValueError, match="finite"):
        ashrae_class(float("nan"))


# --------------------------------------------------------------------------- RCI

def test_rci_over_temperatures():
    # Over 27 C: 1 + 3 + 6 = 10 K; n (32 - 27) = 4 * 5 = 20 -> (1 - 10/20) 100 = 50 %.
    hi, lo = rci([25.0, 28.0, 30.0, 33.0])
    check("RCI_HI", hi, 50.0)
    check("RCI_LO (nothing under 18 C)", lo, 100.0)


def test_rci_under_temperatures():
    # Under 18 C: 2 + 4 = 6 K; n (18 - 15) = 3 * 3 = 9 -> (1 - 6/9) 100 = 33.33 %.
    hi, lo = rci(t for t in (16.0, 20.0, 14.0))
    check("RCI_HI (nothing over 27 C)", hi, 100.0)
    check("RCI_LO", lo, 100.0 / 3.0)


def test_rci_ideal_room_and_no_cap_beyond_allowable():
    check("RCI all recommended", rci([18.0, 22.0, 27.0]), (100.0, 100.0))
    # One intake at 42 C: 15 K over; 1 * 5 -> (1 - 3) 100 = -200 %.
    check("RCI_HI at 42 C", rci([42.0])[0], -200.0)


def test_rci_with_herrlin_2005_limits():
    # Recommended 20-25 C, allowable 15-32 C. Over: 26 - 25 = 1 K over 2 (32 - 25) = 14
    # -> 92.857 %; under: 20 - 19 = 1 K over 2 (20 - 15) = 10 -> 90 %.
    hi, lo = rci([26.0, 19.0], high_rec=25, high_all=32, low_rec=20, low_all=15)
    check("RCI_HI", hi, (1 - 1 / 14) * 100)
    check("RCI_LO", lo, 90.0)


def test_rci_rejects_bad_input():
    with pytest.raises(ValueError, match="empty"):
        rci([])
    with pytest.raises(ValueError, match="low_all < low_rec"):
        rci([20.0], high_rec=32, high_all=27)
    with pytest.raises(ValueError, match="finite"):
        rci([20.0, float("inf")])


# --------------------------------------------------------------------------- RTI

def test_rti():
    # (30 - 18) / (35 - 20) = 12/15 -> 80 % (bypass).
    check("RTI bypass", rti(30.0, 18.0, 35.0, 20.0), 80.0)
    # (36 - 18) / 15 -> 120 % (recirculation).
    check("RTI recirculation", rti(36.0, 18.0, 35.0, 20.0), 120.0)
    check("RTI balanced", rti(33.0, 18.0, 35.0, 20.0), 100.0)
    check("RTI with no equipment temperature rise", rti(30.0, 18.0, 25.0, 25.0), None)


# --------------------------------------------------------------------------- SHI / RHI / bypass

def test_shi_rhi_unweighted():
    # sum(T_in - 18) = 2 + 4 = 6; sum(T_out - 18) = 12 + 16 = 28 -> SHI = 6/28.
    r = recirculation_bypass(18.0, [20.0, 22.0], [30.0, 34.0])
    check("SHI", r["shi"], 6 / 28)
    check("RHI", r["rhi"], 22 / 28)
    check("bypass without a return temperature", r["bypass_fraction"], None)


def test_shi_flow_weighted_and_bypass():
    # Weights 1, 3: SHI = (2 + 3*4) / (12 + 3*16) = 14/60.
    # Weighted exhaust (30 + 3*34)/4 = 33; bypass = (33 - 28)/(33 - 18) = 1/3.
    r = recirculation_bypass(18.0, [20.0, 22.0], [30.0, 34.0], flows=[1.0, 3.0], t_return=28.0)
    check("SHI weighted", r["shi"], 14 / 60)
    check("bypass weighted", r["bypass_fraction"], 1 / 3)
    # Unweighted: exhaust mean 32 -> (32 - 28)/(32 - 18) = 4/14.
    r = recirculation_bypass(18.0, [20.0, 22.0], [30.0, 34.0], t_return=28.0)
    check("bypass unweighted", r["bypass_fraction"], 4 / 14)


def test_shi_is_the_recirculated_share_of_a_mixing_model():
    # A quarter of the intake air is exhaust: T_in = 18 + 0.25 (T_ex - 18), T_ex = T_in + 12
    # -> T_ex - 18 = 12 / 0.75 = 16: T_ex = 34, T_in = 22 -> SHI = 4/16 = 0.25.
    check("SHI", recirculation_bypass(18.0, [22.0], [34.0])["shi"], 0.25)
    # No recirculation and all return air from exhaust: SHI 0, bypass 0.
    r = recirculation_bypass(18.0, [18.0, 18.0], [30.0, 30.0], t_return=30.0)
    check("SHI ideal", r["shi"], 0.0)
    check("RHI ideal", r["rhi"], 1.0)
    check("bypass ideal", r["bypass_fraction"], 0.0)


def test_shi_undefined_cases_are_none():
    r = recirculation_bypass(20.0, [20.0, 20.0], [20.0, 20.0], t_return=20.0)
    check("SHI, no temperature rise", r["shi"], None)
    check("RHI, no temperature rise", r["rhi"], None)
    check("bypass, no temperature rise", r["bypass_fraction"], None)
    r = recirculation_bypass(18.0, [20.0], [30.0], flows=[0.0], t_return=25.0)
    check("SHI, no flow", r["shi"], None)
    check("bypass, no flow", r["bypass_fraction"], None)
    with pytest.raises(ValueError, match="differ in length"):
        recirculation_bypass(18.0, [20.0, 21.0], [30.0])
    with pytest.raises(ValueError, match="negative"):
        recirculation_bypass(18.0, [20.0], [30.0], flows=[-1.0])


# --------------------------------------------------------------------------- fan power

def test_fan_power():
    # 0.5 m3/s * 400 Pa / 0.5 = 400 W; 0.02 * 250 / 0.5 = 10 W; 0.1 * 300 / 0.6 = 50 W.
    check("fan power", fan_power(0.5, 400.0, 0.5), 400.0)
    check("fan power, default efficiency", fan_power(0.02, 250.0), 10.0)
    check("fan power, eta 0.6", fan_power(0.1, 300.0, efficiency=0.6), 50.0)
    check("fan power, no flow", fan_power(0.0, 300.0), 0.0)
    for args in ((0.1, 100.0, 0.0), (0.1, 100.0, 1.2), (-0.1, 100.0), (0.1, -5.0)):
        with pytest.raises(ValueError):
            fan_power(*args)


# --------------------------------------------------------------------------- first crossing

def test_first_crossing_interpolates():
    t = [0.0, 10.0, 20.0, 30.0]
    v = [20.0, 24.0, 28.0, 30.0]
    # 27 C between 24 (t=10) and 28 (t=20): 10 + 10 * 3/4 = 17.5 s.
    check("crossing 27 C", first_crossing(t, v, 27.0), 17.5)
    check("never reaches 32 C", first_crossing(t, v, 32.0), None)
    check("starts at the threshold", first_crossing(t, v, 20.0), 0.0)
    check("reaches it at the last sample", first_crossing(t, v, 30.0), 30.0)


def test_first_crossing_special_shapes():
    check("starts above", first_crossing([0.0, 1.0, 2.0], [30.0, 25.0, 28.0], 27.0), 0.0)
    check("touches", first_crossing([0.0, 5.0, 10.0], [20.0, 27.0, 20.0], 27.0), 5.0)
    # Rises to 26, dips to 25, crosses between t=2 and 3: 2 + (27 - 25)/(29 - 25) = 2.5.
    check("dip then cross",
          first_crossing([0.0, 1.0, 2.0, 3.0], [20.0, 26.0, 25.0, 29.0], 27.0), 2.5)


def test_first_crossing_of_several_series_is_the_earliest():
    t = [0.0, 10.0, 20.0, 30.0]
    # Server A crosses 27 C at 17.5 s; B between 26 (t=10) and 30 (t=20): 10 + 10/4 = 12.5 s.
    columns = [[20.0, 20.0], [24.0, 26.0], [28.0, 30.0], [30.0, 31.0]]
    check("earliest of two servers", first_crossing(t, columns, 27.0), 12.5)
    check("none of them reaches 40 C", first_crossing(t, columns, 40.0), None)


def test_first_crossing_rejects_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        first_crossing([0.0, 1.0, 1.0], [20.0, 21.0, 22.0], 21.5)
    with pytest.raises(ValueError, match="samples"):
        first_crossing([0.0, 1.0], [20.0, 21.0, 22.0], 21.5)
    with pytest.raises(ValueError, match="finite"):
        first_crossing([0.0, 1.0], [20.0, float("nan")], 21.5)


# --------------------------------------------------------------------------- server table

TABLE = [
    {"name": "s1", "power_w": 400.0, "volume_flow_m3_s": 0.04, "inlet_mean_c": 20.0,
     "inlet_max_c": 22.0, "exhaust_mean_c": 30.0},
    {"name": "s2", "power_w": 600.0, "volume_flow_m3_s": 0.06, "inlet_mean_c": 24.0,
     "inlet_max_c": 28.0, "exhaust_mean_c": 32.0},
    {"name": "s3", "power_w": 500.0, "volume_flow_m3_s": 0.10, "inlet_mean_c": 30.0,
     "inlet_max_c": 33.0, "exhaust_mean_c": 34.0},
]


def test_server_metrics_hand_computed():
    m = server_metrics(TABLE, t_supply=18.0, t_return=30.0)
    check("n_servers", m["n_servers"], 3)
    check("total power", m["total_power_w"], 1500.0)
    check("total flow", m["total_server_flow_m3_s"], 0.20)
    # (0.04*20 + 0.06*24 + 0.10*30) / 0.2 = 5.24/0.2; (0.04*30 + 0.06*32 + 0.10*34) / 0.2 = 6.52/0.2.
    check("flow-weighted inlet", m["inlet_mean_c"], 26.2)
    check("flow-weighted exhaust", m["exhaust_mean_c"], 32.6)
    check("hottest inlet", m["inlet_max_c"], 33.0)
    check("hottest server", m["hottest_server"], "s3")
    # Over 27 C: 0 + 1 + 6 = 7 K over 3 * 5 -> (1 - 7/15) 100.
    check("RCI_HI", m["rci_hi_pct"], (1 - 7 / 15) * 100)
    check("RCI_LO", m["rci_lo_pct"], 100.0)
    # SHI = (0.04*2 + 0.06*6 + 0.1*12) / (0.04*12 + 0.06*14 + 0.1*16) = 1.64/2.92.
    check("SHI", m["shi"], 1.64 / 2.92)
    check("RHI", m["rhi"], 1 - 1.64 / 2.92)
    # Bypass (32.6 - 30)/(32.6 - 18) = 2.6/14.6; RTI (30 - 18)/(32.6 - 26.2) = 12/6.4 -> 187.5 %.
    check("bypass", m["bypass_fraction"], 2.6 / 14.6)
    check("RTI", m["rti_pct"], 187.5)
    check("supply", m["supply_c"], 18.0)
    check("return", m["return_c"], 30.0)
    # A1 classes of the hottest inlets 22 / 28 / 33 C.
    check("s1 A1", m["servers"]["s1"]["ashrae_a1"], "recommended")
    check("s2 A1", m["servers"]["s2"]["ashrae_a1"], "allowable")
    check("s3 A1", m["servers"]["s3"]["ashrae_a1"], "outside")
    check("A1 compliant", m["a1_compliant_servers"], 2)
    check("A1 recommended", m["a1_recommended_servers"], 1)
    check("A1 outside", m["a1_outside_servers"], ["s3"])
    check("s1 delta T", m["servers"]["s1"]["delta_t_k"], 10.0)
    check("server order", list(m["servers"]), ["s1", "s2", "s3"])


def test_server_metrics_other_envelope_and_rci_limits():
    m = server_metrics(TABLE, envelope="a2", rci_limits={"high_rec": 25.0})
    check("envelope", m["envelope"], "A2")
    check("A2 compliant (33 C is A2 allowable)", m["compliant_servers"], 3)
    check("s3 A2 class", m["servers"]["s3"]["ashrae_class"], "allowable")
    check("A1 still reported", m["a1_compliant_servers"], 2)
    # Over 25 C: 0 + 3 + 8 = 11 K over 3 * (32 - 25) = 21.
    check("RCI_HI at 25 C recommended", m["rci_hi_pct"], (1 - 11 / 21) * 100)


def test_server_metrics_is_json_ready_without_supply_and_without_flow():
    m = server_metrics(TABLE)
    for key in ("shi", "rhi", "bypass_fraction", "rti_pct", "supply_c", "return_c"):
        check(f"{key} without supply/return", m[key], None)
    text = json.dumps(m, allow_nan=False)
    print(text)
    assert json.loads(text) == m
    still = [dict(r, volume_flow_m3_s=0.0) for r in TABLE]
    m = server_metrics(still, t_supply=18.0, t_return=30.0)
    for key in ("inlet_mean_c", "exhaust_mean_c", "shi", "bypass_fraction", "rti_pct"):
        check(f"{key} with no flow", m[key], None)
    json.dumps(m, allow_nan=False)
    # Equal supply, inlet and exhaust temperatures: SHI and RTI undefined.
    flat = [dict(r, inlet_mean_c=20.0, inlet_max_c=20.0, exhaust_mean_c=20.0) for r in TABLE]
    m = server_metrics(flat, t_supply=20.0, t_return=20.0)
    check("SHI flat", m["shi"], None)
    check("RTI flat", m["rti_pct"], None)
    json.dumps(m, allow_nan=False)


def test_server_metrics_accepts_records_with_attributes():
    Server = namedtuple("Server", "name power_w volume_flow_m3_s inlet_mean_c inlet_max_c exhaust_mean_c")
    m = server_metrics([Server("x", 100, 0.01, 21, 23, 31)])
    check("total power", m["total_power_w"], 100.0)
    check("x class", m["servers"]["x"]["ashrae_a1"], "recommended")
    assert isinstance(m["total_power_w"], float)


def test_server_metrics_rejects_bad_tables():
    with pytest.raises(ValueError, match="twice"):
        server_metrics([TABLE[0], TABLE[0]])
    with pytest.raises(ValueError, match="inlet_max_c"):
        server_metrics([{k: v for k, v in TABLE[0].items() if k != "inlet_max_c"}])
    with pytest.raises(ValueError, match="no servers"):
        server_metrics([])
    with pytest.raises(ValueError, match="finite"):
        server_metrics([dict(TABLE[0], exhaust_mean_c=math.nan)])
    with pytest.raises(ValueError, match="negative"):
        server_metrics([dict(TABLE[0], power_w=-1.0)])
    with pytest.raises(ValueError, match="unknown ASHRAE class"):
        server_metrics(TABLE, envelope="B2")


def test_format_server_table_exact_text():
    table = [
        {"name": "node-1", "power_w": 450.0, "volume_flow_m3_s": 0.025, "inlet_mean_c": 21.3,
         "inlet_max_c": 24.8, "exhaust_mean_c": 35.6},
        {"name": "n2", "power_w": 1200.0, "volume_flow_m3_s": 0.05, "inlet_mean_c": 26.0,
         "inlet_max_c": 29.4, "exhaust_mean_c": 38.2},
    ]
    # 0.025 m3/s = 90 m3/h, 0.05 = 180, total 270; 450 W = 0.45 kW, total 1.65 kW.
    want = "\n".join([
        "server  power kW  flow m3/h  inlet C  inlet max C  exhaust C  A1 class",
        "------  --------  ---------  -------  -----------  ---------  -----------",
        "node-1      0.45       90.0     21.3         24.8       35.6  recommended",
        "n2          1.20      180.0     26.0         29.4       38.2  allowable",
        "------  --------  ---------  -------  -----------  ---------  -----------",
        "total       1.65      270.0",
    ])
    got = format_server_table(server_metrics(table))
    print(got)
    check("table text", got, want)


def test_format_server_table_prints_missing_values_as_dash():
    m = {"servers": {"a": {"power_w": None, "volume_flow_m3_s": 0.01, "inlet_mean_c": None,
                           "inlet_max_c": 22.0, "exhaust_mean_c": None, "ashrae_a1": None}},
         "total_power_w": None, "total_server_flow_m3_s": 0.01}
    got = format_server_table(m)
    print(got)
    row = got.splitlines()[2].split()
    check("row cells", row, ["a", "-", "36.0", "-", "22.0", "-", "-"])
