#!/usr/bin/env python3
"""Write the golden files in fixtures/golden/ from independent oracles (antropy, nolds, numpy).

Run `tools/oracles/make_goldens.sh` (creates the venv and calls this script). Deterministic: fixed seed,
`fit="poly"` everywhere (nolds' default RANSAC is random). Series derived from the third-party data in
../shared/data are not stored: only their derivation and the oracle results are, and the Rust tests rebuild the
series from the data file (skipping when it is absent).
"""

import hashlib
import json
import math
import os
import platform
import sys
import warnings
from fractions import Fraction
from importlib.metadata import version

import numpy as np
import antropy
import nolds

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "fixtures", "golden")
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "BTCUSDT-aggTrades-2026-01-01.head5000.csv"))
SEED = 20260101

warnings.simplefilter("ignore")


def meta():
    return {
        "generator": "tools/oracles/make_goldens.py",
        "seed": SEED,
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "antropy": version("antropy"),
        "nolds": version("nolds"),
    }


def synthetic_series():
    rng = np.random.default_rng(SEED)
    s = {}
    for n in [1, 2, 3, 4, 5, 7, 10, 11, 12, 20, 33, 50, 71, 100, 130, 257, 500, 1000, 4096]:
        s[f"white_n{n}"] = rng.standard_normal(n)
    for n in [10, 100, 500, 2000]:
        s[f"walk_n{n}"] = np.cumsum(rng.standard_normal(n))
    s["walk_offset_1e5_n500"] = 1e5 + np.cumsum(rng.standard_normal(500))
    s["white_scaled_1e-9_n500"] = 1e-9 * rng.standard_normal(500)
    s["walk_scaled_1e9_n1000"] = 1e12 + 1e9 * np.cumsum(rng.standard_normal(1000))
    ticks = rng.choice([-2, -1, 0, 0, 0, 0, 1, 2], size=2000)
    s["tick_price_n2000"] = np.round(87650.0 + 0.01 * np.cumsum(ticks), 2)
    s["tick_return_n1999"] = np.diff(s["tick_price_n2000"])
    s["tick_price_n500"] = s["tick_price_n2000"][:500].copy()
    s["ties_small_ints_n300"] = rng.integers(0, 3, size=300).astype(float)
    s["constant_3_n100"] = np.full(100, 3.0)
    s["constant_0.5_n500"] = np.full(500, 0.5)
    s["increasing_n500"] = np.arange(500, dtype=float)
    s["decreasing_n300"] = -0.25 * np.arange(300, dtype=float)
    s["exp_growth_n400"] = np.exp(np.linspace(0.0, 5.0, 400))
    s["alternating_n200"] = np.array([1.0 if i % 2 == 0 else -1.0 for i in range(200)])
    ar = np.zeros(1000)
    e = rng.standard_normal(1000)
    for i in range(1, 1000):
        ar[i] = 0.9 * ar[i - 1] + e[i]
    s["ar1_0.9_n1000"] = ar
    s["white_n16384"] = rng.standard_normal(16384)
    s["walk_n16384"] = np.cumsum(rng.standard_normal(16384))
    q = rng.standard_normal(500)
    s["kyle_q_n500"] = q
    s["kyle_dp_n500"] = 0.3 * q + 0.5 * rng.standard_normal(500)
    s["kyle_q_offset_n500"] = 1e5 + q
    s["kyle_q_n2"] = np.array([1.0, 3.0])
    s["kyle_dp_n2"] = np.array([0.5, -0.25])
    s["kyle_q_const_n50"] = np.full(50, 2.5)
    s["kyle_dp_n50"] = rng.standard_normal(50)
    s["kyle_check_dp"] = np.array([0.5, -0.2, 0.8, 0.1, -0.6, 0.3, 0.0, 0.9, -0.4, 0.2])
    s["kyle_check_q"] = np.array([2, -1, 3, 0.5, -2.5, 1, -0.2, 2.8, -1.5, 0.4])
    s["pe_check"] = np.array([4.0, 7, 9, 10, 6, 11, 3])
    return {k: np.asarray(v, dtype=float) for k, v in s.items()}


def real_series():
    """Series derived from the real data file: (series dict, i64 series dict, source description)."""
    if not os.path.exists(DATA):
        print(f"note: {DATA} absent, no real-data goldens", file=sys.stderr)
        return {}, {}, None
    with open(DATA, "rb") as f:
        raw = f.read()
    rows = [line.split(",") for line in raw.decode().splitlines() if line]
    price = np.array([float(r[1]) for r in rows])
    qty = np.array([float(r[2]) for r in rows])
    sign = np.array([-1.0 if r[6] == "True" else 1.0 for r in rows])
    source = {
        "file": os.path.basename(DATA),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "derivations": {
            "btc:price": "column 2 (price) parsed as f64",
            "btc:dprice": "price[i+1] - price[i]",
            "btc:signed_qty": "quantity[i+1] * (-1 if is_buyer_maker[i+1] else 1), aligned with btc:dprice",
            "btc:price_e8": "price as i64 fixed point at scale 1e8 (exact decimal)",
            "btc:time_us": "transact_time column as i64",
        },
    }
    series = {"btc:price": price, "btc:dprice": np.diff(price), "btc:signed_qty": (qty * sign)[1:]}
    ints = {
        "btc:price_e8": [int(Fraction(r[1]) * 10**8) for r in rows],
        "btc:time_us": [int(r[5]) for r in rows],
    }
    return series, ints, source


def int_series():
    rng = np.random.default_rng(SEED + 1)
    big = 2**62
    return {
        "i64_empty": [],
        "i64_one": [-7],
        "i64_small_n37": [int(v) for v in rng.integers(-1000, 1000, size=37)],
        "i64_ticks_n500": [int(v) for v in 8_765_000_000_000 + np.cumsum(rng.integers(-3, 4, size=500)) * 1_000_000],
        "i64_times_n300": [int(v) for v in 1_767_225_600_000_000 + np.cumsum(rng.integers(0, 5000, size=300))],
        "i64_extremes_n9": [2**63 - 1, -(2**63), 0, 2**63 - 1, -(2**63), 1, -1, big, -big],
        "i64_large_n130": [int(v) for v in rng.integers(-(2**62), 2**62, size=130)],
    }


def none_on_error(f):
    try:
        v = float(f())
    except (ValueError, ZeroDivisionError, IndexError, AssertionError):
        return None
    return None if math.isnan(v) else v


def pe_cases(series):
    cases = []
    for name, x in series.items():
        if len(x) > 5000:
            continue
        for order in range(2, 8):
            for delay in [1, 2, 3]:
                if len(x) - (order - 1) * delay >= 1:
                    exp = float(antropy.perm_entropy(x, order=order, delay=delay, normalize=True))
                else:
                    exp = None
                cases.append({"series": name, "order": order, "delay": delay, "expected": exp})
    return cases


def distinct_logs(nvals):
    return len(set(nvals)) >= 2


def dfa_oracle(x, nvals):
    """nolds.dfa, then two documented rules: size 2 has zero fluctuation (a line fits two points exactly; nolds
    keeps its rounding noise, ~1e-15, and fits log of it) and is dropped like nolds drops exact zeros, and
    fewer than two distinct sizes left means no exponent (nolds would return a rank-deficient fit)."""
    try:
        h, (lx, lf, _) = nolds.dfa(x, nvals=nvals, overlap=True, order=1, fit_trend="poly", fit_exp="poly",
                                   debug_data=True)
    except (ValueError, AssertionError):
        return None
    lx, lf = np.asarray(lx), np.asarray(lf)
    if len(lf) == 0:
        return None
    keep = np.exp(lx).round() != 2
    if len(set(lx[keep].tolist())) < 2:
        return None
    if keep.all():
        return float(h)
    return float(np.polyfit(lx[keep], lf[keep], 1)[0])


def dfa_cases(series):
    cases = []
    for name, x in series.items():
        if name.startswith("kyle_"):
            continue
        for nvals in [None, [4, 8, 16, 32], [2, 3, 5], [10, 20]]:
            n = len(x)
            if nvals is not None and n > 5000:
                continue
            if n == 0 or np.all(x == x[0]):
                exp = None  # constant input: every fluctuation is zero (nolds returns nan or raises)
            else:
                exp = dfa_oracle(x, nvals)
            cases.append({"series": name, "nvals": nvals, "expected": exp})
    return cases


def rs_from_pieces(x, nvals):
    """hurst_rs assembled from nolds' own pieces (nolds.measures.rs per size, nolds.measures.expected_rs,
    np.polyfit), with two documented rules: blocks whose values are all equal are removed first (their range
    is zero by definition, but float arithmetic can turn a constant block of 87650.01 into noise with a finite
    R/S), and fewer than two distinct usable sizes means no exponent."""
    xs, ys = [], []
    for n in nvals:
        blocks = x[: len(x) - len(x) % n].reshape(-1, n)
        keep = blocks[~np.all(blocks == blocks[:, :1], axis=1)] if n > 1 else blocks[:0]
        if len(keep) == 0:
            continue
        r = nolds.measures.rs(keep.ravel(), n, unbiased=True)
        if np.isnan(r):
            continue
        xs.append(np.log(n))
        ys.append(float(np.log(r)) - np.log(nolds.measures.expected_rs(n)))
    if len(set(xs)) < 2:
        return None
    return float(np.polyfit(xs, ys, 1)[0] + 0.5)


def rs_oracle(x, nvals):
    """Returns (expected, nolds_float64). `expected` runs nolds' per-size R/S on the series in 80-bit
    extended precision (np.longdouble): blocks of near-equal values (tick returns) lose up to ~1e-6 of
    their R/S to cancellation in float64, in nolds as anywhere. `nolds_float64` is plain nolds.hurst_rs
    (None where it raises, returns nan, or fits fewer than two sizes)."""
    sizes = nvals if nvals is not None else nolds.measures.logmid_n(len(x), ratio=1 / 4.0, nsteps=15)
    expected = rs_from_pieces(np.asarray(x, dtype=np.longdouble), sizes)
    try:
        h, (lx, _, _) = nolds.hurst_rs(x, nvals=nvals, fit="poly", corrected=True, unbiased=True, debug_data=True)
        plain = float(h) if len(set(np.asarray(lx).tolist())) >= 2 else None
    except (ValueError, ZeroDivisionError, IndexError):
        plain = None
    return expected, plain


def rs_cases(series):
    cases = []
    for name, x in series.items():
        if name.startswith("kyle_"):
            continue
        for nvals in [None, [1, 2, 5, 10], [8, 16, 32, 64], [3, 4]]:
            n = len(x)
            if nvals is not None and n > 5000:
                continue
            if n == 0 or (nvals is not None and max(nvals) > n):
                exp, plain = None, None
            else:
                exp, plain = rs_oracle(x, nvals)
            cases.append({"series": name, "nvals": nvals, "expected": exp, "nolds_float64": plain})
    return cases


def kyle_cases(series):
    pairs = [
        ("kyle_dp_n500", "kyle_q_n500"),
        ("kyle_dp_n500", "kyle_q_offset_n500"),
        ("kyle_dp_n2", "kyle_q_n2"),
        ("kyle_dp_n50", "kyle_q_const_n50"),
        ("kyle_check_dp", "kyle_check_q"),
        ("white_n100", "walk_n100"),
        ("white_n1", "walk_n10"),
        ("tick_return_n1999", "white_n1000"),
        ("btc:dprice", "btc:signed_qty"),
    ]
    cases = []
    for dp_name, q_name in pairs:
        if dp_name not in series or q_name not in series:
            continue
        dp, q = series[dp_name], series[q_name]
        n = min(len(dp), len(q))
        dp, q = dp[:n], q[:n]
        if n < 2 or np.all(q == q[0]):
            exp, exact = None, None
        else:
            exp = float(np.polyfit(q, dp, 1)[0])
            fq, fdp = [Fraction(v) for v in q], [Fraction(v) for v in dp]
            mq, mdp = sum(fq) / n, sum(fdp) / n
            exact = float(sum((a - mq) * (b - mdp) for a, b in zip(fq, fdp)) / sum((a - mq) ** 2 for a in fq))
        # `exact`: the slope in rational arithmetic, rounded once; numpy's lstsq loses ~cond * eps on regressors
        # with a large offset, so tests allow |numpy - exact| on top of the tolerance.
        cases.append({"dp": dp_name, "q": q_name, "len": n, "expected": exp, "exact": exact})
    return cases


def exact_moments(values):
    """Mean and central moments from exact rational arithmetic, rounded once to f64."""
    fr = [Fraction(v) for v in values]
    n = len(fr)
    mean = sum(fr) / n
    ms = [sum((v - mean) ** k for v in fr) / n for k in (2, 3, 4)]
    return {"mean": float(mean), "m2": float(ms[0]), "m3": float(ms[1]), "m4": float(ms[2])}


def reduction_cases(series, ints):
    cases = []
    for name, x in series.items():
        if len(x) > 5000 or len(x) == 0:
            continue
        vals = [float(v) for v in x]
        diffs = [float(b - a) for a, b in zip(vals, vals[1:])]
        c = {
            "series": name,
            "min": min(vals),
            "max": max(vals),
            "sum": math.fsum(vals),
            "abs_sum": math.fsum(abs(v) for v in vals),
            "abs_diff_sum": math.fsum(abs(d) for d in diffs),
            "moments": exact_moments(vals),
            "diff_moments": exact_moments(diffs) if diffs else None,
        }
        cases.append(c)
    icases = []
    for name, x in ints.items():
        diffs = [b - a for a, b in zip(x, x[1:])]
        icases.append(
            {
                "series": name,
                "min": min(x) if x else None,
                "max": max(x) if x else None,
                "sum": str(sum(x)),
                "abs_diff_sum": str(sum(abs(d) for d in diffs)),
                "moments": exact_moments(x) if x else None,
                "moments_mean_exact": float(Fraction(sum(x), len(x))) if x else None,
                "diff_moments": exact_moments(diffs) if diffs else None,
                "diff_mean_exact": float(Fraction(x[-1] - x[0], len(diffs))) if diffs else None,
            }
        )
    return cases, icases


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    synth = synthetic_series()
    real, real_ints, source = real_series()
    ints = int_series()
    m = meta()
    m["real_data"] = source
    write("series.json", {"meta": m, "series": {k: [float(v) for v in x] for k, x in synth.items()},
                          "series_i64": {k: [str(v) for v in x] for k, x in ints.items()}})
    everything = {**synth, **real}
    write("permutation_entropy.json", {"meta": m, "cases": pe_cases(everything)})
    write("kyle_lambda.json", {"meta": m, "cases": kyle_cases(everything)})
    red, ired = reduction_cases(everything, {**ints, **real_ints})
    write("reductions.json", {"meta": m, "f64": red, "i64": ired})
    write("hurst_rs.json", {"meta": m, "cases": rs_cases(everything)})
    write("hurst_dfa.json", {"meta": m, "cases": dfa_cases(everything)})


if __name__ == "__main__":
    main()
