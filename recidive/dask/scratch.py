"""A scratch directory for Dask work files, removed when nothing refers to it any more.

:func:`recidive.dask.cohort.build_dask_cohort` writes the registry, bucketed by person, and the
cohort it builds as Parquet files under a :class:`ScratchDir`. The lazy Dask frames of the
cohort read those files, and their task graphs hold the ``ScratchDir``: the directory lives as
long as any frame (or the cohort) that reads it, and is removed with the last of them (or at
interpreter exit).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from urllib.parse import urlparse

from recidive.errors import ArgumentError


class ScratchDir(os.PathLike):
    """A fresh directory under ``parent`` (default: Dask's ``temporary-directory``, else /tmp).

    Pickled, it becomes the plain path string: a worker process that reads the files does not
    own the directory, only the process that made it removes it.
    """

    def __init__(self, parent: str | os.PathLike | None = None) -> None:
        import dask

        if parent is None:
            parent = dask.config.get("temporary-directory", None) or tempfile.gettempdir()
        parent = Path(parent)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix="recidive-", dir=parent))
        except OSError as exc:
            raise ArgumentError(
                f"cannot make a scratch directory under {str(parent)!r} ({exc.strerror}); "
                "give scratch_dir a writable directory"
            ) from None
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)

    def __fspath__(self) -> str:
        return str(self.path)

    def __truediv__(self, other: str) -> Path:
        return self.path / other

    def __reduce__(self):
        return (str, (str(self.path),))

    def __dask_tokenize__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"ScratchDir({str(self.path)!r})"

    def remove(self) -> None:
        """Remove the directory now."""
        self._remove()


def check_workers_share(scratch_dir: str | os.PathLike | None) -> None:
    """Raise when the active ``distributed`` workers run on several hosts without a shared dir.

    A default scratch directory is local to this machine; workers elsewhere cannot read it.
    """
    if scratch_dir is not None:
        return
    try:
        from distributed import default_client

        workers = default_client().scheduler_info(n_workers=-1)["workers"]
    except (ImportError, ValueError):  # no distributed, or no client: local scheduler
        return
    hosts = {urlparse(address).hostname for address in workers}
    if len(hosts) > 1:
        raise ArgumentError(
            f"the Dask workers run on {len(hosts)} hosts; give DaskRegistry(scratch_dir=...) a "
            "directory that every worker can read and write (a shared filesystem)"
        )
