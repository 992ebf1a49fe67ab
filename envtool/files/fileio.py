"""Reading users' files in whatever encoding they came in, and writing them back atomically.

Real environment files arrive as UTF-8, UTF-8 with a BOM, and UTF-16 with a BOM and CRLF line
ends (what PowerShell's ``conda env export > env.yml`` writes). :func:`read` decodes all of them
to text without the BOM; :func:`encode` turns edited text back into the same encoding, BOM and
line ends, so an edit never changes what it did not touch.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from envtool.errors import InputError, UsageError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# No environment file is this big (the corpus's largest is 10 KB; 100,000 dependencies are
# 4 MB); each input byte costs ~20-30 bytes once parsed, so refuse rather than swap.
MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class TextFile:
    """A decoded text file: ``text`` has no BOM and keeps its original line ends."""

    source: str  # the path as the user gave it, or "<stdin>"
    text: str
    encoding: str = "utf-8"
    bom: bool = False

    @property
    def newline(self) -> str:
        """The line end the file uses ("\\r\\n" if any line has one)."""
        return "\r\n" if "\r\n" in self.text else "\n"

    def encode(self, text: str) -> bytes:
        """``text`` in this file's encoding, with its BOM if it had one."""
        data = text.encode(self.encoding)
        if self.bom:
            data = next(b for b, enc in _BOMS if enc == self.encoding) + data
        return data


def decode(data: bytes, source: str) -> TextFile:
    """Decode the bytes of a text file, or raise :class:`InputError` saying why it is not one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return TextFile(source, data[len(bom) :].decode(encoding), encoding, bom=True)
            except UnicodeDecodeError as exc:
                raise InputError(
                    source, f"not valid {encoding.upper()} text ({exc.reason})"
                ) from exc
    if b"\0" in data[:8192]:
        raise InputError(source, "binary file, not an environment file")
    try:
        return TextFile(source, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            source, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line
        ) from exc


def read_bytes(path: str) -> tuple[bytes, str]:
    """The raw bytes of ``path`` ("-" is stdin) and its display name; unreadable → InputError."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise InputError("<stdin>", f"input is larger than {MAX_BYTES // 2**20} MiB")
        return data, "<stdin>"
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(path, "is a directory, not an environment file")
        if p.stat().st_size > MAX_BYTES:
            raise InputError(path, f"file is larger than {MAX_BYTES // 2**20} MiB")
        return p.read_bytes(), path
    except FileNotFoundError as exc:
        raise InputError(path, "no such file") from exc
    except PermissionError as exc:
        raise InputError(path, "permission denied") from exc
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from exc


def read(path: str) -> TextFile:
    """Read and decode ``path`` ("-" is standard input)."""
    return decode(*read_bytes(path))


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename.

    Readers see the old file or the new one, never half of one; an existing file keeps its
    permission bits. On any failure the temp file is removed and the target is untouched. A
    symbolic link stays one: the file it points to is replaced, in that file's directory (as
    editors do), so the rename stays atomic and the link is not turned into a copy.
    """
    import tempfile  # only when writing: diff and check never do, and start-up is their cost

    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    directory = target.parent
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from exc
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: cannot write: no directory {directory}") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # disk full, permission, target is a directory, ...
            raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        raise


def output_target(file: str, output: str | None, in_place: bool) -> str | None:
    """Where an edited ``file`` goes: itself (``--in-place``), ``-o OUT``, or None for stdout."""
    if in_place and file == "-":
        raise UsageError("--in-place needs a file, not standard input")
    if in_place and output:
        raise UsageError("use either --in-place or -o/--output, not both")
    target = file if in_place else output
    return None if target == "-" else target


def write_text_output(path: str | None, text: str) -> None:
    """Write generated UTF-8 ``text`` to ``path`` atomically, or to stdout when path is None/'-'."""
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(path, text.encode("utf-8"))
