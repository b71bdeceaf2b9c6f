"""The DSP layer: the gated recurrent distortion chain. Knows nothing of the UI."""

import os
import sys


def _version_keyed_numba_cache() -> None:
    """Keep numba's machine code in a folder keyed by the grutui, numba and Python versions.

    numba only checks the stamp of the file holding a kernel, so an upgrade of numba (or of
    grutui with an unchanged kernels.py) could otherwise run stale machine code; the folder also
    works where the package itself is read-only (an installed wheel). NUMBA_CACHE_DIR wins.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    import numba
    import platformdirs

    from grutui import __version__

    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    folder = os.path.join(
        platformdirs.user_cache_dir("grutui"),
        "numba",
        f"grutui{__version__}-numba{numba.__version__}-{python}",
    )
    numba.config.CACHE_DIR = folder  # type: ignore[attr-defined]


_version_keyed_numba_cache()

from grutui.dsp.chain import Chain  # noqa: E402 - after the cache folder is set

__all__ = ["Chain"]
