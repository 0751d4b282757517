"""``get_bars``: bars straight from Binance Vision, through a verified local cache of the archives."""

from __future__ import annotations

import datetime
import os
from typing import Any, Dict, List, Optional, Union

from . import _barsmith
from ._options import takes_settings
from .errors import ChecksumError, FetchError

DateLike = Union[str, datetime.date]

#: Where :func:`get_bars` keeps the archives by default.
DEFAULT_DATA_DIR = "~/.cache/barsmith"


def _period(value: DateLike, name: str) -> str:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"{name}: expected 'YYYY-MM-DD', 'YYYY-MM' or a datetime.date, got {type(value).__name__}")


def fetch_archives(
    symbol: str,
    start: DateLike,
    end: Optional[DateLike] = None,
    *,
    market: str = "spot",
    data_dir: Union[str, "os.PathLike[str]"] = DEFAULT_DATA_DIR,
    granularity: str = "auto",
    base_url: Optional[str] = None,
    proxy: Optional[str] = "environment",
    jobs: int = 4,
    retries: int = 5,
    timeout: float = 30.0,
    retry_wait: float = 1.0,
    verify: bool = False,
) -> List[Dict[str, Any]]:
    """Fetches the archives of ``symbol`` from ``start`` to ``end`` into ``data_dir`` (see :func:`get_bars`) and
    returns each archive's outcome: a dict with ``file_name``, ``period``, ``path``, ``url``, ``outcome``
    (``"fetched"``, ``"skipped"`` (already in the cache), ``"missing"`` (404) or ``"failed"``), ``reason``, and
    ``expected``/``actual`` for a checksum mismatch. Raises nothing for single archives; ``ValueError`` for a
    bad request (date, market, symbol).
    """
    if isinstance(jobs, bool) or isinstance(retries, bool):
        raise TypeError("jobs/retries: expected an int")
    options = {
        "base_url": base_url,
        "granularity": granularity,
        "proxy": proxy,
        "jobs": int(jobs),
        "retries": int(retries),
        "timeout": float(timeout),
        "retry_wait": float(retry_wait),
        "verify": bool(verify),
    }
    first = _period(start, "start")
    last = first if end is None else _period(end, "end")
    directory = os.path.expanduser(os.fspath(data_dir))
    outcomes, _unpublished = _barsmith.fetch_archives(str(symbol), str(market), first, last, directory, options)
    return list(outcomes)


def _raise_for(outcomes: List[Dict[str, Any]], allow_missing: bool) -> List[str]:
    """The verified files, in date order; the first failure, or missing archives, as exceptions."""
    failed = [o for o in outcomes if o["outcome"] == "failed"]
    for outcome in failed:
        if outcome["expected"] is not None:
            raise ChecksumError(outcome["reason"], expected=outcome["expected"], actual=outcome["actual"],
                                url=outcome["url"], path=outcome["path"], reason=outcome["reason"])
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more failed archives)" if len(failed) > 1 else ""
        raise FetchError(first["reason"] + more, url=first["url"], path=first["path"], reason=first["reason"])
    files = [o["path"] for o in outcomes if o["outcome"] in ("fetched", "skipped")]
    missing = [o["file_name"] for o in outcomes if o["outcome"] == "missing"]
    if missing and (not allow_missing or not files):
        hint = (f"; allow_missing=True builds bars from the {len(files)} archives present" if files
                else "; none of the range's archives is on the server")
        raise FetchError(
            f"missing on the server (404: not traded that day, or not published): {', '.join(missing)}{hint}",
            kind="missing",
            missing=missing,
        )
    if not files:
        raise FetchError("no archive was requested for this range", kind="missing")
    return files


@takes_settings()
def get_bars(
    symbol: str,
    start: DateLike,
    end: Optional[DateLike] = None,
    *,
    threshold_dbps: Union[int, List[int]],
    market: str = "spot",
    data_dir: Union[str, "os.PathLike[str]"] = DEFAULT_DATA_DIR,
    allow_missing: bool = False,
    base_url: Optional[str] = None,
    proxy: Optional[str] = "environment",
    granularity: str = "auto",
    jobs: int = 4,
    retries: int = 5,
    timeout: float = 30.0,
    retry_wait: float = 1.0,
    verify: bool = False,
    output: str = "pyarrow",
    strict: bool = False,
    **settings: Any,
) -> Any:
    """Range bars of ``symbol`` from ``start`` to ``end`` (both included), from Binance Vision's aggTrades
    archives, fetched into ``data_dir`` when they are not there yet.

    Each archive is downloaded (``jobs`` at a time) and kept only when its SHA-256 matches the ``.CHECKSUM``
    published beside it, in the site's layout below ``data_dir``
    (``spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-01.zip``, as ``barsmith fetch -o`` does). An
    archive already there with its ``.CHECKSUM`` is used without any request (``verify=True`` re-hashes it
    first), so a second call reads only the cache. Then the bars are built as :func:`barsmith.bars` builds them
    from those files (same options, same output).

    ``start``/``end``: ``"YYYY-MM-DD"`` (daily archives), ``"YYYY-MM"`` (monthly archives; the current month
    daily) or ``datetime.date``; ``end`` defaults to ``start``. Days from today (UTC) on are not published and
    not requested. ``market``: ``"spot"``, ``"um"`` (USD-M futures) or ``"cm"`` (COIN-M). ``granularity``:
    ``"auto"``, ``"daily"`` or ``"monthly"``. ``base_url``: a mirror of ``https://data.binance.vision``.
    ``proxy``: ``"environment"`` (``HTTPS_PROXY``, ``NO_PROXY``…), ``None`` (direct) or a proxy URL.
    ``timeout`` (seconds) bounds the connection and each read; transient failures (timeouts, 429, 5xx) are
    retried ``retries`` times after ``retry_wait`` seconds, doubling.

    Raises :class:`ChecksumError` (``.expected``, ``.actual``, ``.path``, ``.url``) when an archive fails
    verification twice, :class:`FetchError` when one cannot be fetched (``.reason``) or when archives are
    missing on the server (``kind="missing"``, ``.missing``; ``allow_missing=True`` builds bars from the
    others), ``ValueError`` for bad arguments, ``KeyboardInterrupt`` on Ctrl-C (a download in progress keeps
    its ``.part`` file and continues on the next call).

    >>> import barsmith as bs
    >>> t = bs.get_bars("BTCUSDT", "2024-01-01", "2024-01-31", threshold_dbps=250)   # doctest: +SKIP
    """
    from . import bars

    outcomes = fetch_archives(
        symbol, start, end, market=market, data_dir=data_dir, granularity=granularity, base_url=base_url,
        proxy=proxy, jobs=jobs, retries=retries, timeout=timeout, retry_wait=retry_wait, verify=verify,
    )
    files = _raise_for(outcomes, allow_missing)
    return bars(files, threshold_dbps, output=output, strict=strict, **settings)
