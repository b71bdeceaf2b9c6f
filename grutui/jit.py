"""``njit`` for grutui's own kernels: compiled machine code kept in grutui's cache folder.

numba's ``cache=True`` picks a folder for every cached function in the process from global
settings (``numba.config.CACHE_DIR``, else beside the source file). Setting those would move a
notebook's own cached functions too, and beside the source fails or litters in a read-only
install. So each grutui kernel gets a cache of its own, in a folder keyed by the grutui, numba
and Python versions (numba only checks the hash of the kernel's source file, so an upgrade of
numba could otherwise run stale code). ``NUMBA_CACHE_DIR``, if set, still wins.

A folder that cannot be written costs a compile at every start, with one ``CacheWarning``; a
corrupt cache file is compiled again. Loading skips the refresh of numba's target context
that numba does first (it installs every implementation numba has: 0.1-0.2 s of each start).

This module is the one place grutui touches numba internals (the dispatcher's ``_cache``, the
cache's ``_load_overload``); ``tests/test_jit_cache.py`` fails if numba changes them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numba
from numba.core import typeinfer
from numba.core.caching import CompileResultCacheImpl, FunctionCache
from numba.core.runtime import rtsys

from grutui import __version__
from grutui.fileio import cache_dir


class CacheWarning(UserWarning):
    """grutui's compiled-kernel cache could not be written (it runs without it)."""


def kernel_cache_dir() -> Path:
    """The folder of grutui's compiled kernels: ``NUMBA_CACHE_DIR`` if set, else a folder under
    ``grutui.fileio.cache_dir()`` keyed by the grutui, numba and Python versions."""
    if numba.config.CACHE_DIR:  # type: ignore[attr-defined]  # NUMBA_CACHE_DIR
        return Path(numba.config.CACHE_DIR)  # type: ignore[attr-defined]
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return cache_dir() / "numba" / f"grutui{__version__}-numba{numba.__version__}-{python}"


@functools.cache
def _source_hash(path: str, mtime_ns: int, size: int) -> bytes:
    # numba's own stamp (a content hash), so a folder filled before this module existed is reused
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


class _Locator:
    """Where one kernel is cached: a subfolder per source folder, as numba names them."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        self._py_file = py_file  # numba's cache reads this name in its warnings
        self._lineno = py_func.__code__.co_firstlineno
        folder = os.path.dirname(os.path.abspath(py_file))
        digest = hashlib.sha1(folder.encode()).hexdigest()
        self._path = str(kernel_cache_dir() / f"{os.path.basename(folder)}_{digest}")

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> _Locator:
        return cls(py_func, py_file)

    def ensure_cache_path(self) -> None:
        os.makedirs(self._path, exist_ok=True)
        tempfile.TemporaryFile(dir=self._path).close()  # writable, not just present

    def get_cache_path(self) -> str:
        return self._path

    def get_source_stamp(self) -> bytes:
        st = os.stat(self._py_file)
        return _source_hash(self._py_file, st.st_mtime_ns, st.st_size)

    def get_disambiguator(self) -> str:
        return str(self._lineno)


class _CacheImpl(CompileResultCacheImpl):
    _locator_classes = [_Locator]  # noqa: RUF012 - numba's own class attribute


_warned = threading.Event()


class _KernelCache(FunctionCache):
    _impl_class = _CacheImpl

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        # numba's own load_overload first refreshes the target context: it imports and installs
        # every implementation numba has (0.1-0.2 s of each start), needed to compile, not to
        # load machine code. Only the runtime (NRT) the kernels link against is set up here; a
        # compile, if one follows, refreshes the context itself.
        rtsys.initialize(target_context)
        try:
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)
        except Exception:  # a truncated or foreign index or data file: compile again
            self._drop_index()
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except Exception as exc:  # an unreadable index (saving reads it first) or a write error
            if not isinstance(exc, OSError):
                self._drop_index()
                with contextlib.suppress(Exception):
                    super().save_overload(sig, data)
                return
            if _warned.is_set():
                return
            _warned.set()
            warnings.warn(
                f"cannot write the compiled-kernel cache in {self.cache_path} "
                f"({exc.strerror or exc}); running without it (each start compiles again)",
                CacheWarning,
                stacklevel=2,
            )

    def _drop_index(self) -> None:
        index = Path(self.cache_path) / f"{self._impl.filename_base}.nbi"
        with contextlib.suppress(OSError):
            index.unlink()


def njit(signatures: str | Sequence[str], **options: Any) -> Callable[[Any], Any]:
    """``numba.njit`` with explicit ``signatures``, compiled now; ``cache=True`` caches in
    ``kernel_cache_dir()`` instead of numba's process-wide choice."""
    cache = options.pop("cache", False)
    sigs = [signatures] if isinstance(signatures, str) else list(signatures)

    def decorate(func: Any) -> Any:
        if not cache:
            return numba.njit(sigs, **options)(func)
        dispatcher = numba.njit(**options)(func)
        if not hasattr(dispatcher, "compile"):  # NUMBA_DISABLE_JIT: the plain function
            return dispatcher
        dispatcher._cache = _KernelCache(func)
        with typeinfer.register_dispatcher(dispatcher):  # as numba.njit(signatures) does
            for sig in sigs:
                dispatcher.compile(sig)
            dispatcher.disable_compile()
        return dispatcher

    return decorate


@contextlib.contextmanager
def without_blas_probe() -> Iterator[None]:
    """Load kernels without numba's check for BLAS, in a command's own process.

    The first cached kernel a process loads makes numba import ``scipy.linalg`` to see whether
    BLAS is there: 0.2-0.4 s of every start, most of it numpy.f2py, which scipy's array API
    layer pulls in. No grutui kernel calls BLAS, so a command may skip it: numba then counts
    BLAS as missing for the rest of the process (only its ``np.dot`` family would fail to
    compile). Not for a library import, where the process is someone else's.
    """
    name = "scipy.linalg.cython_blas"
    hidden = name not in sys.modules
    if hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        yield
    finally:
        if hidden and sys.modules.get(name, name) is None:
            del sys.modules[name]
