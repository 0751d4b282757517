"""The exceptions barsmith raises, with the library's message and fields.

* :class:`InputError` (a ``ValueError``): a malformed input file or Arrow column, or trades out of order.
  ``.kind`` names the problem (``"invalid_number"``, ``"too_many_decimals"``, ``"out_of_order"``, …);
  ``.path``, ``.line`` and ``.column`` say where in a file, ``.row`` and ``.column`` where in an Arrow input;
  ``.text`` is the offending text.
* :class:`CheckpointError` (a ``ValueError``): checkpoint bytes or a file that cannot be used.
* :class:`OutputError` (an ``OSError``): writing failed, or a value does not fit its Arrow column.
* :class:`FetchError` (an ``OSError``): :func:`barsmith.get_bars` could not fetch an archive (``.url``,
  ``.path``, ``.reason``), or archives are missing on the server (``kind="missing"``, ``.missing``).
* :class:`ChecksumError` (a :class:`FetchError`): a downloaded archive did not match its ``.CHECKSUM``
  (``.path``, ``.url``, ``.expected``, ``.actual``); nothing was kept.
* :class:`BarsmithWarning` (a ``UserWarning``): something the user must know that does not stop a run (a
  window longer than ``max_window_records`` whose features are null); :class:`IdGapWarning` for gaps in
  ``agg_trade_id`` between files (the ``barsmith bars`` command's warning, word for word).
* Bad arguments (an unknown feature group, a threshold out of range, an unavailable backend) raise plain
  ``ValueError``; Ctrl-C raises ``KeyboardInterrupt`` between batches.

>>> import barsmith as bs
>>> issubclass(bs.InputError, ValueError)
True
"""

from __future__ import annotations

from typing import Any, List, Optional

__all__ = ["BarsmithError", "InputError", "CheckpointError", "OutputError", "FetchError", "ChecksumError",
           "BarsmithWarning", "IdGapWarning"]


class BarsmithWarning(UserWarning):
    """Something a run found that does not stop it (the ``barsmith bars`` command's ``warning:`` lines)."""


class IdGapWarning(BarsmithWarning):
    """``agg_trade_id`` gaps between a stream's files: ids are missing. ``strict=True`` raises
    :class:`InputError` (``kind="id_gaps"``) instead."""


class BarsmithError(Exception):
    """Base class of barsmith's exceptions. ``.kind`` names the problem when there is a name for it."""

    kind: Optional[str]

    def __init__(self, message: str, *, kind: Optional[str] = None, **fields: Any) -> None:
        super().__init__(message)
        self.kind = kind
        for name, value in fields.items():
            setattr(self, name, value)


class InputError(BarsmithError, ValueError):
    """A bad input record or value.

    Attributes: ``kind``, ``path`` (file, or None for an Arrow input), ``line`` (1-based line in the file),
    ``column`` (as named in the header or the frame), ``text`` (the offending text), ``row`` (0-based row of
    an Arrow input, counted over everything pushed so far).

    >>> import barsmith as bs, pyarrow as pa
    >>> t = pa.table({"a": [1], "p": ["1.5x"], "q": ["1"], "f": [1], "l": [1], "T": [1767225600000], "m": [True]})
    >>> try:
    ...     bs.bars(t, threshold_dbps=250)
    ... except bs.InputError as e:
    ...     print(e.kind, e.row, e.column, e.text)
    invalid_number 0 p 1.5x
    """

    path: Optional[str]
    line: Optional[int]
    column: Optional[str]
    text: Optional[str]
    row: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        path: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[str] = None,
        text: Optional[str] = None,
        row: Optional[int] = None,
    ) -> None:
        super().__init__(message, kind=kind, path=path, line=line, column=column, text=text, row=row)


class CheckpointError(BarsmithError, ValueError):
    """Checkpoint bytes (or a checkpoint file, ``.path``) that cannot be read or do not fit the settings."""

    path: Optional[str]

    def __init__(self, message: str, *, kind: Optional[str] = "checkpoint", path: Optional[str] = None) -> None:
        super().__init__(message, kind=kind, path=path)


class OutputError(BarsmithError, OSError):
    """Writing output failed (``.path``), or a value does not fit its Arrow column."""

    path: Optional[str]

    def __init__(self, message: str, *, kind: Optional[str] = "output", path: Optional[str] = None) -> None:
        super().__init__(message, kind=kind, path=path)


class FetchError(BarsmithError, OSError):
    """:func:`barsmith.get_bars` could not get the archives.

    ``kind="failed"``: an archive could not be fetched after the retries (``.url``, ``.path`` where it would be
    kept, ``.reason``: the library's words, e.g. ``HTTP 403``); ``kind="missing"``: the server has no archive
    for some of the days or months (404: the symbol did not trade, or the data is not published);
    ``.missing`` lists their file names (``allow_missing=True`` builds bars from the others).
    """

    url: Optional[str]
    path: Optional[str]
    reason: Optional[str]
    missing: List[str]

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = "failed",
        url: Optional[str] = None,
        path: Optional[str] = None,
        reason: Optional[str] = None,
        missing: Optional[List[str]] = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, kind=kind, url=url, path=path, reason=reason, missing=list(missing or []), **fields)


class ChecksumError(FetchError):
    """A downloaded archive's SHA-256 (``.actual``) is not the one its ``.CHECKSUM`` gives (``.expected``),
    on the first download and on the second; nothing is kept at ``.path``. ``.url`` is the archive's URL.
    """

    expected: str
    actual: str

    def __init__(
        self,
        message: str,
        *,
        expected: str,
        actual: str,
        url: Optional[str] = None,
        path: Optional[str] = None,
        reason: Optional[str] = None,
    ) -> None:
        super().__init__(
            message, kind="checksum_mismatch", url=url, path=path, reason=reason, expected=expected, actual=actual
        )
