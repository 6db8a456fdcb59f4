"""The data-set seeder writes real files that the real library loads offline."""

import gzip

import numpy as np
import pytest
import torch
from torchvision import datasets
from torchvision.datasets import mnist as tv_mnist

from site_src.run.datasets import mnist_sample_csv, seed_dataset, seed_mnist


@pytest.fixture
def offline(monkeypatch):
    """Make any download attempt by torchvision's MNIST fail loudly."""

    def no_download(*args, **kwargs):
        raise AssertionError("torchvision tried to download MNIST")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", no_download)


@pytest.fixture
def mnist_root(tmp_path, offline):
    seed_dataset("mnist", tmp_path / "data")
    return tmp_path / "data"


def test_seeded_mnist_writes_the_four_raw_idx_files(mnist_root):
    raw = mnist_root / "MNIST" / "raw"
    names = sorted(p.name for p in raw.iterdir())
    assert names == [
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
    ]
    assert (raw / "train-images-idx3-ubyte").stat().st_size == 16 + 4000 * 784
    assert (raw / "t10k-labels-idx1-ubyte").stat().st_size == 8 + 1000


def test_seeded_mnist_loads_with_torchvision_offline(mnist_root):
    train = datasets.MNIST(root=mnist_root, train=True, download=True)
    test = datasets.MNIST(root=mnist_root, train=False, download=True)

    assert len(train) == 4000 and len(test) == 1000
    assert train.data.shape == (4000, 28, 28) and train.data.dtype == torch.uint8
    assert test.data.shape == (1000, 28, 28)
    for split in (train, test):
        counts = torch.bincount(split.targets, minlength=10)
        assert (counts > 0).all() and counts.sum() == len(split)
    image, label = train[0]
    assert image.size == (28, 28) and isinstance(label, int)


def test_seeded_mnist_pixels_match_the_csv_rows(mnist_root):
    with gzip.open(mnist_sample_csv(), "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    by_image = {row[:784].tobytes(): row[784] for row in rows}

    train = datasets.MNIST(root=mnist_root, train=True)
    test = datasets.MNIST(root=mnist_root, train=False)
    images = torch.cat([train.data, test.data]).reshape(-1, 784).numpy()
    labels = torch.cat([train.targets, test.targets]).numpy()

    # Every seeded image is a csv row, with that row's label, and none is used twice.
    assert all(by_image[img.tobytes()] == lab for img, lab in zip(images, labels))
    assert len({img.tobytes() for img in images}) == 5000


def test_seeded_mnist_split_is_shuffled_and_repeatable(tmp_path):
    seed_mnist(tmp_path / "a")
    seed_mnist(tmp_path / "b")
    first = (tmp_path / "a/MNIST/raw/train-labels-idx1-ubyte").read_bytes()
    assert first == (tmp_path / "b/MNIST/raw/train-labels-idx1-ubyte").read_bytes()
    labels = np.frombuffer(first[8:], dtype=np.uint8)
    assert len(set(labels[:100].tolist())) == 10  # not sorted by label any more


def test_unknown_dataset_name_raises_value_error_naming_known_ones(tmp_path):
    with pytest.raises(ValueError, match="mnist"):
        seed_dataset("cifar10", tmp_path)
