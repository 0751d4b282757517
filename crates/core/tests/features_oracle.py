"""Independent oracle for crates/core/tests/features_values.rs (window features on a fixed window).

Window: prices = fixtures/golden/series.json "tick_price_n2000" on the 0.01 grid (raw = price * 1e8),
quantities, sides and times from the closed forms in `window()` (mirrored in the Rust test).
Computed with exact rationals (fractions) for the closed forms, numpy for moments/OLS, antropy for
permutation entropy and nolds 0.6.2 (fit="poly") for the Hurst exponents of ln(p_i / p_{i-1}) = log1p((p_i - p_{i-1}) / p_{i-1}).

Run: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy antropy nolds==0.6.2
     /tmp/venv/bin/python crates/core/tests/features_oracle.py
"""
import json
import math
import pathlib
from fractions import Fraction

import antropy
import nolds
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[3]


def window(n):
    series = json.loads((ROOT / "fixtures/golden/series.json").read_text())["series"]["tick_price_n2000"]
    price = [round(p * 100) * 1_000_000 for p in series[:n]]
    quantity = [1000 * (1 + (i * 7919) % 997) for i in range(n)]
    is_buy = [(i * 31) % 7 < 4 for i in range(n)]
    time, t = [], 1_700_000_000_000_000
    for i in range(n):
        t += (i * i * 37) % 5000 if i % 4 else 0
        time.append(t)
    return price, quantity, time, is_buy


def features(n):
    p, q, t, buy = window(n)
    out = {"record_count": n, "duration_us": t[-1] - t[0]}
    out["record_intensity"] = n / ((t[-1] - t[0]) * 1e-6)
    volume, buy_volume = sum(q), sum(v for v, b in zip(q, buy) if b)
    out["ofi"] = float(Fraction(2 * buy_volume - volume, volume))
    out["record_imbalance"] = float(Fraction(2 * sum(buy) - n, n))
    turnover = sum(a * b for a, b in zip(p, q))
    vwap_raw = Fraction(turnover, volume)
    out["vwap"] = float(vwap_raw / 10**8)
    out["vwap_position"] = float((vwap_raw - min(p)) / (max(p) - min(p)))
    pf = np.array(p, dtype=float)
    # ln(p_i / p_{i-1}) from the exact integer difference (np.log of the ratio loses ~1e-9 on tick moves).
    r = np.log1p(np.diff(np.array(p, dtype=np.int64)).astype(float) / pf[:-1])
    x = np.array([v / 1e8 if b else -v / 1e8 for v, b in zip(q[1:], buy[1:])])
    out["kyle_lambda"] = float(np.polyfit(x, r, 1)[0])
    gaps = np.diff(np.array(t, dtype=float))
    mu, sigma = gaps.mean(), gaps.std()
    out["burstiness"] = float((sigma - mu) / (sigma + mu))
    v = np.array(q, dtype=float)
    d = v - v.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    out["volume_skew"] = float(m3 / m2**1.5)
    out["volume_kurt"] = float(m4 / m2**2 - 3)
    out["price_range"] = float(Fraction(max(p) - min(p), p[0]))
    hl, co = math.log(max(p) / min(p)), math.log(p[-1] / p[0])
    out["garman_klass_vol"] = math.sqrt(0.5 * hl * hl - (2 * math.log(2) - 1) * co * co)
    out["kaufman_er"] = float(Fraction(abs(p[-1] - p[0]), sum(abs(b - a) for a, b in zip(p, p[1:]))))
    out["permutation_entropy"] = float(antropy.perm_entropy(pf, order=3, delay=1, normalize=True))
    out["hurst_dfa"] = float(nolds.dfa(r, overlap=True, order=1, fit_trend="poly", fit_exp="poly"))
    out["hurst_rs"] = float(nolds.hurst_rs(r, fit="poly", corrected=True, unbiased=True))
    peak, trough, dd, ru = p[0], p[0], Fraction(0), Fraction(0)
    for price in p:
        peak, trough = max(peak, price), min(trough, price)
        dd, ru = max(dd, 1 - Fraction(price, peak)), max(ru, 1 - Fraction(trough, price))
    out["max_drawdown"], out["max_runup"] = float(dd), float(ru)
    return out


# The rows of features_values.rs's ORACLE: (name, value at n = 500, value at n = 2000).
at_500, at_2000 = features(500), features(2000)
for name, value in at_500.items():
    print(f'("{name}", {value!r}, {at_2000[name]!r}),')
