"""Progress messages for long work: one line per step on stderr, with elapsed seconds."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Callable that prints ``recidive: [ 1.2 s] message`` to a stream.

    Parameters
    ----------
    enabled : bool
        Print nothing when False (the callable still works).
    stream : file, optional
        Where to print; default ``sys.stderr``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = Progress(stream=out)
    >>> progress("building the cohort")
    >>> "building the cohort" in out.getvalue()
    True
    """

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self._start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        stream = self.stream if self.stream is not None else sys.stderr
        elapsed = time.perf_counter() - self._start
        print(f"recidive: [{elapsed:6.1f} s] {message}", file=stream, flush=True)
