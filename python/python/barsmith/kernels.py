"""The feature kernels on numpy float64 arrays, as the Rust library computes them.

Each function takes 1-D float64 arrays (others are converted with ``numpy.ascontiguousarray``; a contiguous
float64 array is read in place, without a copy) and returns a float, or ``None`` when the kernel does not
define a value for the input (too few values, a constant series). Bad arguments (``order``, ``delay``, sizes)
are ``ValueError``s. Non-finite input is not refused: permutation entropy gives ``nan`` for any NaN (as antropy
does) and treats ±inf as ordered values; DFA, R/S and Kyle lambda give ``nan`` for any NaN or ±inf. A null in
a polars or pandas series arrives as NaN, so drop nulls first. ``backend=`` picks the SIMD kernels;
default ``BARSMITH_BACKEND``, else the best of this CPU (:func:`barsmith.cpu`). Inputs of 50 000 values or
more run with the GIL released.

* :func:`permutation_entropy` — normalised permutation entropy (antropy's ``perm_entropy``);
* :func:`dfa` — Hurst exponent by DFA-1 (nolds' ``dfa``); also :func:`hurst_dfa`, the name of its feature
  columns (``*_hurst_dfa``) and of ``barsmith kernel hurst_dfa``;
* :func:`hurst_rs` — corrected R/S Hurst exponent (nolds' ``hurst_rs``);
* :func:`kyle_lambda` — OLS slope of price changes on signed quantities (``numpy.polyfit(q, dp, 1)[0]``).

>>> import numpy as np, barsmith as bs
>>> round(bs.kernels.permutation_entropy(np.array([4., 7., 9., 10., 6., 11., 3.]), order=3, delay=1), 6)
0.588762
"""

from ._barsmith import dfa, hurst_rs, kyle_lambda, permutation_entropy

#: :func:`dfa` under the name of its feature columns (``intra_hurst_dfa``) and of ``barsmith kernel hurst_dfa``.
hurst_dfa = dfa

__all__ = ["dfa", "hurst_dfa", "hurst_rs", "kyle_lambda", "permutation_entropy"]
