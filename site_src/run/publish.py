"""Decide and copy what a lesson's run may publish: its figures and the files in ``outputs/``.

Everything here runs in the parent, outside the sandbox, on files the lesson could have
changed at any moment: each file is opened once, without following a link, measured and
read through that one descriptor, and judged on the bytes read (so a figure swapped after
``plt.show()`` is judged as it is when copied). What passes is copied beside the record;
the site then publishes it as it is, so only inert things pass:

- **figures**: the PNG files the runner names for the block; at most
  ``MAX_FIGURE_BYTES`` and ``MAX_FIGURE_PIXELS`` (read from the PNG header, before
  anything is decoded), and Pillow must verify them;
- **files in outputs/**: only the types of ``OUTPUT_TYPES`` (none can carry script: no
  HTML, SVG, Markdown, notebooks, pickles), each checked by its content too; at most
  ``MAX_OUTPUT_BYTES`` each, ``MAX_OUTPUT_FILES`` and ``MAX_OUTPUTS_TOTAL`` bytes per
  lesson (every file counted at its full size);
- neither: links, anything but a regular file, a file with more than one hard link (the
  same bytes would be published many times over).

Each copy function returns what it copied and, if it refused something, the problem (one
sentence naming the file), which the parent turns into the block's failure.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path

from .runner import OUTPUTS_DIR, RESULT_DIR

MAX_FIGURES_PER_BLOCK = 100
MAX_FIGURE_BYTES = 10 * 1024 * 1024
MAX_FIGURE_PIXELS = 4096 * 4096  # width × height, from the header: decoding a larger image is refused
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_OUTPUT_BYTES = 2_000_000  # a file a block offers for download: every build publishes it
MAX_OUTPUT_FILES = 20  # per lesson
MAX_OUTPUTS_TOTAL = 20_000_000  # bytes per lesson, every file at its full size
OUTPUT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FIGURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png")


class Refused(ValueError):
    """A file that may not be published, and why."""


# ------------------------------------------------------------------------ figures


def copy_figures(work: Path, slug: str, index: int, names, kept: Path) -> tuple[list[str], str | None]:
    """Copy the block's figures out of the working directory, if they are what the runner saves:
    named in sequence for this block, plain files (no links), PNG within the limits. Else the problem."""
    if not isinstance(names, list) or len(names) > MAX_FIGURES_PER_BLOCK:
        return [], "the block's figures were reported wrongly"
    expected = [f"{slug}-b{index:02d}-{number}.png" for number in range(1, len(names) + 1)]
    if names != expected:
        return [], f"the block's figures are not the ones the runner saves ({names!r:.200})"
    if not names:
        return [], None
    try:
        folder = open_folder(work, (RESULT_DIR, "figures"))
    except OSError as error:
        return [], f"the figures folder of the working directory cannot be read: {error}"
    try:
        for name in names:
            (kept / name).write_bytes(read_png(folder, name))
    except (OSError, ValueError) as error:
        return [], f"figure {name} could not be taken from the working directory: {error}"
    finally:
        os.close(folder)
    return names, None


def read_png(folder: int, name: str) -> bytes:
    """The bytes of a PNG figure in ``folder``, checked as ``check_png`` does."""
    if not FIGURE_NAME.fullmatch(name):
        raise Refused("not a plain file name")
    data = read_regular(folder, name, MAX_FIGURE_BYTES)
    check_png(data)
    return data


def check_png(data: bytes) -> None:
    """Refuse anything but a PNG image of at most MAX_FIGURE_PIXELS that Pillow verifies.

    The size is read from the IHDR chunk before Pillow sees the file, so a small file that
    claims a huge image is refused without being decoded."""
    if not data.startswith(PNG_SIGNATURE):
        raise Refused("not a PNG file")
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise Refused("not a PNG file (no image header)")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not width or not height or width * height > MAX_FIGURE_PIXELS:
        raise Refused(f"a {width:,} × {height:,} image, over the limit of {MAX_FIGURE_PIXELS:,} pixels "
                      f"({int(MAX_FIGURE_PIXELS ** 0.5):,} × {int(MAX_FIGURE_PIXELS ** 0.5):,})")
    from PIL import Image  # Pillow comes with matplotlib; only a run with figures needs it

    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
    except Exception as error:  # noqa: BLE001 — any error of the decoder: the file is not published
        raise Refused(f"not a valid PNG image ({type(error).__name__}: {error})"[:300]) from None


# ------------------------------------------------------------------- outputs/


def _utf8_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(f"not UTF-8 text (byte {error.start:,})") from None
    if "\0" in text:
        raise Refused("not text (it holds NUL characters)")
    return text


def _check_text(data: bytes) -> None:
    _utf8_text(data)


def _check_json(data: bytes) -> None:
    try:
        json.loads(_utf8_text(data))
    except (ValueError, RecursionError) as error:
        raise Refused(f"not valid JSON ({type(error).__name__}: {error})"[:200]) from None


def _check_npy(data: bytes) -> None:
    """A NumPy array file whose data type holds no Python objects (those are pickled)."""
    if not data.startswith(b"\x93NUMPY"):
        raise Refused("not a NumPy .npy file")
    from numpy.lib import format as npy

    try:
        stream = io.BytesIO(data)
        major, _ = npy.read_magic(stream)
        read = npy.read_array_header_1_0 if major == 1 else npy.read_array_header_2_0
        _, _, dtype = read(stream)
    except Exception as error:  # noqa: BLE001 — a header NumPy cannot read is refused
        raise Refused(f"not a NumPy .npy file ({type(error).__name__})") from None
    if dtype.hasobject:
        raise Refused("a NumPy array of Python objects (stored as a pickle, which runs code when loaded)")


def _starting(*prefixes: tuple[int, bytes], kind: str):
    def check(data: bytes) -> None:
        if not all(data[at:at + len(prefix)] == prefix for at, prefix in prefixes):
            raise Refused(f"not a {kind} file")
    return check


# The types a block may publish from outputs/, each with the check of its content. None can
# carry script or become a page of the site (never .html, .htm, .svg, .xml, .js, .md, .ipynb),
# nor run code when loaded (never .pt, .pkl: pickles).
OUTPUT_TYPES = {
    ".mid": _starting((0, b"MThd"), kind="MIDI"),
    ".midi": _starting((0, b"MThd"), kind="MIDI"),
    ".wav": _starting((0, b"RIFF"), (8, b"WAVE"), kind="WAV"),
    ".png": check_png,
    ".csv": _check_text,
    ".txt": _check_text,
    ".json": _check_json,
    ".npy": _check_npy,
}
ALLOWED_TEXT = ", ".join(OUTPUT_TYPES)


def copy_outputs(work: Path, names, kept: Path) -> tuple[list[str], str | None]:
    """Copy the files the block wrote into ``outputs/`` (offered for download under it) into
    ``kept`` (the lesson's folder of them, shared by its blocks): plain names of the allowed
    types whose content is what the name says, regular files with one link, at most
    MAX_OUTPUT_BYTES each, and with the ones earlier blocks kept, at most MAX_OUTPUT_FILES
    files and MAX_OUTPUTS_TOTAL bytes. Else the problem, naming the file."""
    if not names:
        return [], None
    if not isinstance(names, list) or not all(isinstance(name, str) and OUTPUT_NAME.fullmatch(name) for name in names):
        return [], f"the block's files in {OUTPUTS_DIR}/ were reported wrongly ({names!r:.200})"
    for name in names:
        if Path(name).suffix not in OUTPUT_TYPES:
            return [], (f"{OUTPUTS_DIR}/{name} cannot be offered for download: only these types can "
                        f"({ALLOWED_TEXT})")
    earlier = {path.name: path.stat().st_size for path in kept.iterdir()} if kept.is_dir() else {}
    new = [name for name in names if name not in earlier]
    if len(earlier) + len(new) > MAX_OUTPUT_FILES:
        return [], (f"{OUTPUTS_DIR}/{new[MAX_OUTPUT_FILES - len(earlier)]} cannot be offered for download: the "
                    f"lesson would publish {len(earlier) + len(new)} files, over the limit of {MAX_OUTPUT_FILES}")
    try:
        folder = open_folder(work, (OUTPUTS_DIR,))
    except OSError as error:
        return [], f"the {OUTPUTS_DIR}/ folder of the working directory cannot be read: {error}"
    taken, total = {}, sum(size for name, size in earlier.items() if name not in names)
    try:
        for name in names:
            data = read_regular(folder, name, MAX_OUTPUT_BYTES)
            OUTPUT_TYPES[Path(name).suffix](data)
            total += len(data)
            if total > MAX_OUTPUTS_TOTAL:
                raise Refused(f"the lesson's files in {OUTPUTS_DIR}/ would come to over {MAX_OUTPUTS_TOTAL:,} bytes")
            taken[name] = data
    except (OSError, ValueError) as error:
        return [], f"{OUTPUTS_DIR}/{name} cannot be offered for download: {error}"
    finally:
        os.close(folder)
    kept.mkdir(exist_ok=True)
    for name, data in taken.items():
        (kept / name).write_bytes(data)
    return names, None


# ---------------------------------------------------------------- reading files


def read_regular(folder: int, name: str, limit: int) -> bytes:
    """The bytes of a regular file in ``folder`` with a single link (no link followed), at
    most ``limit`` of them."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not a regular file")
        if info.st_nlink > 1:
            raise Refused(f"it has {info.st_nlink} hard links (the same bytes would be published many times)")
        if info.st_size > limit:
            raise Refused(f"{info.st_size:,} bytes, over the limit of {limit:,}")
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew after it was measured
        raise Refused(f"over the limit of {limit:,} bytes")
    return data


def open_folder(root: Path, parts: tuple[str, ...]) -> int:
    """A descriptor of root/parts…, following no symbolic link on the way."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    for part in parts:
        try:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        finally:
            os.close(fd)
        fd = inner
    return fd
