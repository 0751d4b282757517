"""The settings every entry point takes (:func:`barsmith.bars`, :class:`barsmith.BarBuilder`,
:func:`barsmith.get_bars`, :func:`barsmith.dask.bars`), generated from the library's list.

The Rust library holds the one list of settings with their defaults (``barsmith::settings::SETTINGS``, the same
the ``barsmith bars`` flags are checked against); :data:`DEFAULTS` is read from it, :func:`takes_settings` adds
each setting as a keyword-only parameter with that default to a function's signature, and :func:`settings`
turns the keywords into the library's ``Settings`` (each value as the text the library parses, so a setting
added to the library needs no code here).
"""

from __future__ import annotations

import functools
import inspect
import operator
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union

from . import _barsmith

Thresholds = Union[int, Sequence[int]]
F = TypeVar("F", bound=Callable[..., Any])


def _from_text(kind: str, text: Optional[str]) -> Any:
    """A default as Python gives it: ``True``, ``3``, ``"count:500"``, ``("bar", "intra", "lookback")``, ``None``."""
    if text is None:
        return None
    if kind == "bool":
        return text == "true"
    if kind == "count":
        return int(text)
    if kind == "list":
        return tuple(part for part in text.split(",") if part)
    return text


#: (name, kind) of every setting, in the library's order.
KINDS: Dict[str, str] = {name: kind for name, kind, _, _ in _barsmith.Settings.defaults()}
#: Every setting's default, as Python spells it (``None``: decided at the call — ``backend``: the
#: ``BARSMITH_BACKEND`` environment variable, else the best of this CPU; ``threads``: every core).
DEFAULTS: Dict[str, Any] = {name: _from_text(kind, text) for name, kind, text, _ in _barsmith.Settings.defaults()}


def backend(name: Optional[str]) -> Optional[str]:
    """``backend=``, else ``BARSMITH_BACKEND``, else None (the automatic choice)."""
    if name is not None:
        return name
    return os.environ.get("BARSMITH_BACKEND") or None


def threshold_list(threshold_dbps: Thresholds) -> List[int]:
    """``threshold_dbps`` as a list of ints: one whole number, or an iterable of them (a list, a tuple, a numpy
    array). Anything ``operator.index`` accepts is a whole number (numpy integers too); a float is refused, not
    rounded."""
    single = _whole_number(threshold_dbps)
    if single is not None:
        return [single]
    if isinstance(threshold_dbps, (str, bytes)) or not hasattr(threshold_dbps, "__iter__"):
        raise TypeError(f"threshold_dbps: expected a whole number of dbps or a list of them, got {threshold_dbps!r}")
    values = []
    for value in threshold_dbps:
        whole = _whole_number(value)
        if whole is None:
            raise TypeError(f"threshold_dbps: expected whole numbers of dbps, got {value!r} in {threshold_dbps!r}")
        values.append(whole)
    return values


def normalized_thresholds(threshold_dbps: Thresholds) -> Thresholds:
    """One int for one whole number (a numpy integer too), else the list of ints: what results are shaped by
    (one threshold gives a table, a list gives ``{dbps: table}``)."""
    single = _whole_number(threshold_dbps)
    return single if single is not None else threshold_list(threshold_dbps)


def _whole_number(value: Any) -> Optional[int]:
    """``value`` as an int when it is a whole number (an int, a numpy integer, …), not a bool; else None."""
    if isinstance(value, bool) or (type(value).__name__ == "bool_"):
        raise TypeError(f"threshold_dbps: expected a whole number of dbps, got a bool ({value!r})")
    try:
        return operator.index(value)
    except TypeError:
        return None


def _text(name: str, value: Any) -> Optional[str]:
    """A keyword's value as the library's text; None leaves the default."""
    kind = KINDS[name]
    if kind == "backend":
        value = backend(value)
    if value is None and kind != "list":
        return None
    if kind == "bool":
        return "true" if value else "false"
    if kind == "count":
        if isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got a bool")
        return str(int(value))
    if kind == "list":
        parts = [] if value is None else [value] if isinstance(value, str) else list(value)
        items = [p.strip() for part in parts for p in str(part).split(",") if p.strip()]
        return ",".join(items) if items else "none"
    return str(value)


#: Bar specifications: one (``"dollar:1e7"``, or several comma-separated) or a list of them.
BarSpecs = Union[str, Sequence[str]]


def bar_list(bars: Optional[BarSpecs]) -> List[str]:
    """``bars`` as a list of specification texts (each may hold several, comma-separated)."""
    if bars is None:
        return []
    if isinstance(bars, str):
        return [bars]
    if isinstance(bars, bytes) or not hasattr(bars, "__iter__"):
        raise TypeError(f"bars: expected a specification such as 'tick:1000' or a list of them, got {bars!r}")
    values = list(bars)
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"bars: expected specifications as text, got {value!r} in {bars!r}")
    return values


def settings(
    threshold_dbps: Optional[Thresholds], options: Dict[str, Any], bars: Optional[BarSpecs] = None
) -> _barsmith.Settings:
    """The library's ``Settings`` for ``threshold_dbps``, ``bars`` and the settings keywords in ``options``."""
    values = {}
    for name, value in options.items():
        text = _text(name, value)
        if text is not None:
            values[name] = text
    thresholds = [] if threshold_dbps is None else threshold_list(threshold_dbps)
    return _barsmith.Settings(thresholds, values, bar_list(bars))


def result_keys(threshold_dbps: Optional[Thresholds], bars: Optional[BarSpecs], checked: _barsmith.Settings) -> Any:
    """What results are shaped by: one key (an int threshold, or one specification given as text) gives one
    table; a list gives ``{key: table}`` keyed by dbps for ``threshold_dbps`` and by the canonical
    specification (``"dollar:10000000"``) for ``bars``."""
    if bars is None:
        return normalized_thresholds(threshold_dbps if threshold_dbps is not None else [])
    thresholds = [] if threshold_dbps is None else threshold_list(threshold_dbps)
    keys: List[Any] = thresholds + checked.bars[len(thresholds):]
    if threshold_dbps is None and isinstance(bars, str) and len(keys) == 1:
        return keys[0]
    return keys


def takes_settings(exclude: Iterable[str] = ()) -> Callable[[F], F]:
    """Adds every library setting but ``exclude`` to the decorated function's signature, as a keyword-only
    parameter with the library's default, before its ``**settings`` parameter; the function receives them all
    (given or default) in ``settings``. An unknown keyword is a ``TypeError``, as for any Python function."""
    excluded = set(exclude)
    names: Tuple[str, ...] = tuple(name for name in DEFAULTS if name not in excluded)

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        own = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=DEFAULTS[name]) for name in names]
        position = next((i for i, p in enumerate(own) if p.kind == inspect.Parameter.KEYWORD_ONLY), len(own))
        parameters = own[:position] + added + own[position:]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            known = {p.name for p in own}
            for key in kwargs:
                if key not in known and key not in names:
                    raise TypeError(f"{function.__qualname__}() got an unexpected keyword argument {key!r}")
            given = {name: kwargs.pop(name, DEFAULTS[name]) for name in names}
            return function(*args, **kwargs, **given)

        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def paths(source: Any) -> Optional[List[str]]:
    """``source`` as a list of paths (expanded ``~``), or None when it is not a path or a list of paths."""
    if isinstance(source, (str, os.PathLike)):
        return [os.path.expanduser(os.fspath(source))]
    if isinstance(source, (list, tuple)) and source and all(isinstance(p, (str, os.PathLike)) for p in source):
        return [os.path.expanduser(os.fspath(p)) for p in source]
    if isinstance(source, (list, tuple)) and not source:
        raise ValueError("no input given")
    return None
