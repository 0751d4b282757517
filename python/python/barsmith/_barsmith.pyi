"""Type stubs of the extension module (the public API is in barsmith/__init__.py and barsmith/kernels.py)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, TypedDict

import numpy as np
import numpy.typing as npt

__version__: str

class _PathOptions(TypedDict):
    symbol: Optional[str]

class _PlanOptions(TypedDict):
    symbol: Optional[str]
    shards: Optional[int]
    min_range_bytes: int

class Settings:
    def __init__(self, thresholds: List[int], values: Dict[str, str], bars: List[str] = ...) -> None: ...
    @staticmethod
    def defaults() -> List[Tuple[str, str, Optional[str], str]]: ...
    def values(self) -> Dict[str, str]: ...
    @property
    def thresholds(self) -> List[int]: ...
    @property
    def bars(self) -> List[str]: ...
    @property
    def backend(self) -> str: ...
    @property
    def lookback(self) -> str: ...

class ArrowTable:
    """Arrow record batches exported without a copy through ``__arrow_c_stream__``."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    @property
    def num_rows(self) -> int: ...
    def __len__(self) -> int: ...
    @property
    def column_names(self) -> List[str]: ...
    @property
    def metadata(self) -> Dict[str, str]: ...
    @property
    def nbytes(self) -> int: ...

class Builder:
    def __init__(self, settings: Settings, symbol: str) -> None: ...
    def push(self, trades: Any) -> List[ArrowTable]: ...
    def incomplete(self) -> List[ArrowTable]: ...
    def checkpoint(self) -> bytes: ...
    @staticmethod
    def from_checkpoint(
        data: bytes, backend: Optional[str] = None, symbol: Optional[str] = None, include_incomplete: bool = False
    ) -> "Builder": ...
    @property
    def rows(self) -> int: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def symbol(self) -> str: ...

class LiveIter:
    def __init__(self, settings: Settings, options: Dict[str, Any]) -> None: ...
    def next(self) -> Optional[List[ArrowTable]]: ...
    def close(self) -> None: ...
    def request_stop(self) -> None: ...
    def take_events(self) -> List[str]: ...

def bars_from_paths(
    settings: Settings, inputs: Sequence[str], options: _PathOptions
) -> Tuple[List[Tuple[str, List[ArrowTable]]], List[Tuple[str, str]]]: ...
def bars_from_arrow(
    settings: Settings, trades: Any, symbol: str
) -> Tuple[List[ArrowTable], List[Tuple[str, str]]]: ...
def dask_plan(
    settings: Settings, inputs: Sequence[str], options: _PlanOptions
) -> List[Tuple[str, List[str], List[bytes], List[str]]]: ...
def dask_speculate(settings: Settings, task: bytes) -> Tuple[bytes, List[ArrowTable]]: ...
def dask_join(
    settings: Settings, task: bytes, previous: Optional[bytes], speculation: bytes
) -> Tuple[bytes, List[ArrowTable], List[Optional[int]], List[int]]: ...
def dask_finish(
    settings: Settings, state: Optional[bytes], symbol: str, files: Sequence[str], incomplete: bool
) -> List[ArrowTable]: ...
def generate_trades(trades: int, seed: int = 42) -> ArrowTable: ...

class _FetchOptions(TypedDict):
    base_url: Optional[str]
    granularity: str
    proxy: Optional[str]
    jobs: int
    retries: int
    timeout: float
    retry_wait: float
    verify: bool

class _ArchiveOutcome(TypedDict):
    file_name: str
    period: str
    path: str
    url: str
    outcome: str
    reason: Optional[str]
    expected: Optional[str]
    actual: Optional[str]

def fetch_archives(
    symbol: str, market: str, start: str, end: str, data_dir: str, options: _FetchOptions
) -> Tuple[List[_ArchiveOutcome], Optional[str]]: ...

_Series = npt.ArrayLike

def permutation_entropy(
    x: _Series, order: int = 3, delay: int = 1, *, backend: Optional[str] = None
) -> Optional[float]:
    """Normalised permutation entropy (0..1); None when x is shorter than one embedding vector."""

def dfa(x: _Series, nvals: Optional[Sequence[int]] = None, *, backend: Optional[str] = None) -> Optional[float]:
    """Hurst exponent by DFA-1 (nolds' dfa); None where nolds raises or for a constant series."""

def hurst_rs(
    x: _Series, nvals: Optional[Sequence[int]] = None, *, backend: Optional[str] = None
) -> Optional[float]:
    """Corrected R/S Hurst exponent (nolds' hurst_rs); None when fewer than two sizes have a usable block."""

def kyle_lambda(dp: _Series, q: _Series, *, backend: Optional[str] = None) -> Optional[float]:
    """OLS slope of dp on q (numpy.polyfit(q, dp, 1)[0]); None for fewer than 2 pairs or constant q."""

def cpu() -> Dict[str, Any]: ...
