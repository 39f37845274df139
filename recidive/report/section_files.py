"""Writing a section's files: all of them or none, and nothing stale beside them.

A report folder leaves the analysis environment to be published, so what lies in it
must be one run's section, whole. Three rules:

All or nothing
    Every file of the section is written into a temporary directory inside the output
    directory (the same file system), then moved into place with ``os.replace`` while
    Ctrl-C (SIGINT) is held back for the few renames. An error or Ctrl-C while the
    files are rendered or written removes the temporary directory and leaves the folder
    as it was; Ctrl-C during the renames takes effect right after them. A reader never
    sees a half-written file, nor an HTML page without its figures.
Nothing stale
    The files of a section are ``recidive.<html|md|json>`` (Dutch) or
    ``recidivism.<html|md|json>`` (English), the HTML fragment ``<stem>.fragment.html``
    and ``figures/<name>.<lang>.<png|svg>``.
    Files of that kind for the same language that this run does not write (a figure
    disclosure control now withholds, a format not asked for this time) are removed, so
    no earlier, unsuppressed figure stays beside the new files. The other language's
    files are left alone: a Dutch and an English section share a folder.
Checked before the work
    :func:`check_output_dir` finds out whether the directory can be made and written
    before anything is estimated (``recidive report --out`` calls it first).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from recidive.errors import ArgumentError, short

#: The section's own formats.
FORMATS: tuple[str, ...] = ("html", "md", "json")
#: The folder of the figure files, inside the output directory.
FIGURES_DIR = "figures"
_FIGURE_KINDS = ("png", "svg")
_TEMPORARY_PREFIX = ".recidive-writing-"


def section_stem(lang: str) -> str:
    """The name of a section's files without the extension: ``recidive`` or ``recidivism``."""
    return "recidive" if lang == "nl" else "recidivism"


def fragment_name(lang: str) -> str:
    """The file of the HTML fragment: ``recidive.fragment.html`` or ``recidivism.fragment.html``."""
    return f"{section_stem(lang)}.fragment.html"


def check_output_dir(directory: str | os.PathLike) -> Path:
    """Check that ``directory`` is, or can be made as, a directory we can write to.

    Nothing is created: the nearest existing ancestor must be a writable directory (a
    temporary file is made in it and removed).

    Raises
    ------
    recidive.errors.ArgumentError
        Naming the directory and why it cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_dir(tmp / "new" / "out") == tmp / "new" / "out"
    True
    >>> _ = (tmp / "file").write_text("x")
    >>> check_output_dir(tmp / "file")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    recidive.errors.ArgumentError: cannot write the output to '.../file': it is a file, not a directory; choose another directory
    """
    path = Path(directory)
    shown = short(os.fspath(path), 200)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = (
            "it is a file" if existing == path else f"'{short(os.fspath(existing), 200)}' is a file"
        )
        raise ArgumentError(
            f"cannot write the output to '{shown}': {what}, not a directory; "
            "choose another directory"
        )
    try:
        handle, probe = tempfile.mkstemp(prefix=_TEMPORARY_PREFIX, dir=existing)
    except OSError as exc:
        raise ArgumentError(
            f"cannot write the output to '{shown}' ({exc.strerror}); choose another directory"
        ) from None
    os.close(handle)
    os.unlink(probe)
    return path


def write_section_files(
    directory: str | os.PathLike, files: Mapping[str, bytes], lang: str
) -> list[Path]:
    """Write a section's files into ``directory`` all at once; remove its stale files.

    Parameters
    ----------
    directory : path
        Created if missing.
    files : mapping of str to bytes
        Relative path (``recidive.html``, ``figures/cumulative.nl.png``) to content, in
        the order to report them.
    lang : str
        The section's language: which earlier files are this section's.

    Returns
    -------
    list of Path
        The files written, in the order of ``files``.
    """
    out = check_output_dir(directory)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_TEMPORARY_PREFIX, dir=out))
    try:
        for name, content in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        with _interrupts_held():
            (out / FIGURES_DIR).mkdir(exist_ok=True)
            for name in files:
                os.replace(staging / name, out / name)
            for stale in set(_own_files(out, lang)) - {out / name for name in files}:
                stale.unlink()
            shutil.rmtree(staging)
    except BaseException:
        with _interrupts_held():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / name for name in files]


def _own_files(out: Path, lang: str) -> Iterator[Path]:
    """The files of ``lang``'s section in ``out`` (of this run or of an earlier one)."""
    stem = section_stem(lang)
    for name in (*(f"{stem}.{kind}" for kind in FORMATS), fragment_name(lang)):
        if (out / name).is_file():
            yield out / name
    figures = out / FIGURES_DIR
    if figures.is_dir():
        for kind in _FIGURE_KINDS:
            yield from (p for p in figures.glob(f"*.{lang}.{kind}") if p.is_file())


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT back while the block runs (POSIX); it is delivered right after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
