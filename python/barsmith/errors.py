"""The exceptions barsmith raises, with the library's message and fields.

* :class:`InputError` (a ``ValueError``): a malformed input file or Arrow column, or trades out of order.
  ``.kind`` names the problem (``"invalid_number"``, ``"too_many_decimals"``, ``"out_of_order"``, …);
  ``.path``, ``.line`` and ``.column`` say where in a file, ``.row`` and ``.column`` where in an Arrow input;
  ``.text`` is the offending text.
* :class:`CheckpointError` (a ``ValueError``): checkpoint bytes or a file that cannot be used.
* :class:`OutputError` (an ``OSError``): writing failed, or a value does not fit its Arrow column.
* Bad arguments (an unknown feature group, a threshold out of range, an unavailable backend) raise plain
  ``ValueError``; Ctrl-C raises ``KeyboardInterrupt`` between batches.

>>> import barsmith as bs
>>> issubclass(bs.InputError, ValueError)
True
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = ["BarsmithError", "InputError", "CheckpointError", "OutputError"]


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
