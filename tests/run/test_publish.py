"""publish.py: only inert files within the limits leave a run (no sandbox needed: the checks
run in the parent on the working directory's files; test_sandbox.py tries them through a run)."""

from __future__ import annotations

import io
import json
import os
import zlib
from pathlib import Path

import pytest

from site_src.run.publish import (
    MAX_FIGURE_PIXELS,
    MAX_OUTPUT_BYTES,
    MAX_OUTPUT_FILES,
    MAX_OUTPUTS_TOTAL,
    OUTPUT_TYPES,
    Refused,
    check_png,
    copy_figures,
    copy_outputs,
)


def png(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    stream = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(stream, format="PNG")
    return stream.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header claims a huge image (its data is a few zeros)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1000)))
            + chunk(b"IEND", b""))


def npy(dtype: str) -> bytes:
    import numpy as np

    stream = io.BytesIO()
    np.save(stream, np.array([1, "x"] if dtype == "object" else [1.5, 2.5], dtype=dtype), allow_pickle=True)
    return stream.getvalue()


@pytest.fixture
def work(tmp_path) -> Path:
    (tmp_path / "work" / "outputs").mkdir(parents=True)
    return tmp_path / "work"


def write(work: Path, files: dict[str, bytes]) -> list[str]:
    for name, data in files.items():
        (work / "outputs" / name).write_bytes(data)
    return sorted(files)


# ------------------------------------------------------------------------ figures


def test_a_png_within_the_limits_passes():
    check_png(png())
    check_png(png_claiming(4096, 4096))  # at the limit (verify reads the chunks, decodes nothing)
    assert MAX_FIGURE_PIXELS == 4096 * 4096


@pytest.mark.parametrize("data, why", [
    (png_claiming(60_000, 60_000), "a 60,000 × 60,000 image, over the limit"),
    (png_claiming(4097, 4096), "over the limit of 16,777,216 pixels"),
    (png_claiming(0, 10), "a 0 × 10 image"),
    (png()[:40] + b"garbage" + png()[47:], "not a valid PNG image"),
    (png()[:-12], "not a valid PNG image"),  # no IEND
    (b"\x89PNG\r\n\x1a\n" + bytes(31_000), "no image header"),  # zeros behind a signature
    (b"GIF89a" + bytes(100), "not a PNG file"),
])
def test_a_figure_that_is_not_a_small_valid_png_is_refused(data, why):
    with pytest.raises(Refused, match=why.replace("(", r"\(").replace(")", r"\)")):
        check_png(data)


def test_a_figure_with_another_hard_link_is_refused(work, tmp_path):
    figures = work / ".lesson-result" / "figures"
    figures.mkdir(parents=True)
    (figures / "01-demo-b00-1.png").write_bytes(png())
    os.link(figures / "01-demo-b00-1.png", work / "again.png")
    (tmp_path / "kept").mkdir()
    copied, problem = copy_figures(work, "01-demo", 0, ["01-demo-b00-1.png"], tmp_path / "kept")
    assert copied == [] and "2 hard links (the same bytes would be published many times)" in problem
    (work / "again.png").unlink()
    assert copy_figures(work, "01-demo", 0, ["01-demo-b00-1.png"], tmp_path / "kept") == (["01-demo-b00-1.png"], None)


# ------------------------------------------------------------------- outputs/


GOOD = {"song.mid": b"MThd\x00\x00\x00\x06", "song.midi": b"MThd", "tone.wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
        "plot.png": png(), "table.csv": b"a,b\n1,2\n", "notes.txt": "C D E 中文\n".encode(),
        "metrics.json": json.dumps({"loss": [0.5, 0.25]}).encode(), "weights.npy": npy("float64")}


def test_every_allowed_type_with_its_content_is_published(work, tmp_path):
    assert sorted(Path(name).suffix for name in GOOD) == sorted(OUTPUT_TYPES)
    names = write(work, GOOD)
    assert copy_outputs(work, names, tmp_path / "kept") == (names, None)
    assert {path.name: path.read_bytes() for path in (tmp_path / "kept").iterdir()} == GOOD


@pytest.mark.parametrize("name", ["page.html", "page.htm", "icon.svg", "notes.md", "lesson.ipynb", "app.js",
                                  "feed.xml", "model.pt", "model.pkl", "page.xhtml", "archive.zip", "noext",
                                  "PLOT.PNG", "song.mid.html"])
def test_a_type_that_is_not_allowed_is_refused_naming_the_file_and_the_allowed_types(work, tmp_path, name):
    names = write(work, {"notes.txt": b"fine", name: b"MThd <script>alert(1)</script>"})
    copied, problem = copy_outputs(work, names, tmp_path / "kept")
    assert copied == [] and not (tmp_path / "kept").exists()
    assert problem == (f"outputs/{name} cannot be offered for download: only these types can "
                       "(.mid, .midi, .wav, .png, .csv, .txt, .json, .npy)")


@pytest.mark.parametrize("name, data, why", [
    ("song.mid", b"<html><script>alert(1)</script>", "not a MIDI file"),
    ("tone.wav", b"RIFF\x00\x00\x00\x00AVI ", "not a WAV file"),
    ("plot.png", b"<svg onload=alert(1)>", "not a PNG file"),
    ("plot.png", png_claiming(60_000, 60_000), "a 60,000 × 60,000 image, over the limit of 16,777,216 pixels"),
    ("notes.txt", b"\xff\xfe<\x00h\x00", "not UTF-8 text"),
    ("table.csv", b"a,b\x00", "not text (it holds NUL characters)"),
    ("metrics.json", b"{'loss': 1}", "not valid JSON"),
    ("metrics.json", b"[" * 100_000 + b"]" * 100_000, "not valid JSON (RecursionError"),
    ("weights.npy", b"PK\x03\x04", "not a NumPy .npy file"),
    ("weights.npy", b"\x93NUMPY\x01\x00garbage", "not a NumPy .npy file"),
    ("weights.npy", npy("object"), "a NumPy array of Python objects"),
])
def test_a_file_whose_content_is_not_its_type_is_refused(work, tmp_path, name, data, why):
    copied, problem = copy_outputs(work, write(work, {name: data}), tmp_path / "kept")
    assert copied == [] and problem.startswith(f"outputs/{name} cannot be offered for download: {why}")


def test_a_file_with_another_hard_link_is_refused(work, tmp_path):
    names = write(work, {"notes.txt": b"x" * 1000})
    for number in range(3):
        os.link(work / "outputs" / "notes.txt", work / f"link-{number}")
    copied, problem = copy_outputs(work, names, tmp_path / "kept")
    assert copied == [] and problem == ("outputs/notes.txt cannot be offered for download: it has 4 hard links "
                                        "(the same bytes would be published many times)")


def test_links_and_folders_are_refused(work, tmp_path):
    (work / "outputs" / "link.txt").symlink_to(work / "outputs" / "real.txt")
    (work / "outputs" / "real.txt").write_text("x")
    (work / "outputs" / "folder.txt").mkdir()
    for name in ("link.txt", "folder.txt"):
        copied, problem = copy_outputs(work, [name], tmp_path / "kept")
        assert copied == [] and problem.startswith(f"outputs/{name} cannot be offered for download: ")


def test_the_number_of_files_per_lesson_is_capped_across_its_blocks(work, tmp_path):
    kept = tmp_path / "kept"
    first = write(work, {f"part-{number:02d}.txt": b"x" for number in range(MAX_OUTPUT_FILES - 1)})
    assert copy_outputs(work, first, kept) == (first, None)
    assert copy_outputs(work, ["part-00.txt"], kept) == (["part-00.txt"], None)  # rewritten: the same file
    last = write(work, {"last.txt": b"x"})
    assert copy_outputs(work, last, kept) == (last, None)
    copied, problem = copy_outputs(work, write(work, {"one-more.txt": b"x"}), kept)
    assert copied == [] and problem == (f"outputs/one-more.txt cannot be offered for download: the lesson would "
                                        f"publish {MAX_OUTPUT_FILES + 1} files, over the limit of {MAX_OUTPUT_FILES}")
    assert len(list(kept.iterdir())) == MAX_OUTPUT_FILES


def test_the_bytes_per_lesson_are_capped_counting_every_file(work, tmp_path):
    kept, count = tmp_path / "kept", MAX_OUTPUTS_TOTAL // MAX_OUTPUT_BYTES
    names = write(work, {f"part-{number:02d}.txt": b"x" * MAX_OUTPUT_BYTES for number in range(count)})
    assert copy_outputs(work, names, kept) == (names, None)
    assert copy_outputs(work, ["part-00.txt"], kept) == (["part-00.txt"], None)  # replaces itself: no more bytes
    copied, problem = copy_outputs(work, write(work, {"extra.txt": b"x"}), kept)
    assert copied == [] and problem == (f"outputs/extra.txt cannot be offered for download: the lesson's files in "
                                        f"outputs/ would come to over {MAX_OUTPUTS_TOTAL:,} bytes")
    assert not (kept / "extra.txt").exists()


def test_a_file_over_the_size_limit_is_refused(work, tmp_path):
    copied, problem = copy_outputs(work, write(work, {"big.txt": b"x" * (MAX_OUTPUT_BYTES + 1)}), tmp_path / "kept")
    assert copied == [] and problem.endswith(f"{MAX_OUTPUT_BYTES + 1:,} bytes, over the limit of {MAX_OUTPUT_BYTES:,}")
