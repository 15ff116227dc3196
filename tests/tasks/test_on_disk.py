"""The datasets read from the user's data folder, on tiny generated files in the official formats.

No real data is available here: the files are written in each format (IDX, gzipped or not; CIFAR's Python 2
pickles), and the cards are pointed at their checksums with ``cards.substituted``.  The errors for missing,
truncated and foreign files are checked against the real cards, through the CLI.
"""

import gzip
import hashlib
import os
import pickle
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest

from harness.errors import DatasetFilesError, MalformedFile, MissingDatasetWarning
from harness.execution.suites import plan
from harness.registry import registry
from harness.tasks import cards, cifar_batches, data_folder, idx, on_disk

IDX_STEMS = [names[0] for names in on_disk.IDX_FILES]
CLI = [sys.executable, "-c", "from harness.cli import main; main()"]


@pytest.fixture(autouse=True)
def no_data_folder(monkeypatch):
    """No data folder unless a test gives one (the CLI's --data-dir sets the variable; this restores it)."""
    monkeypatch.delenv(data_folder.VARIABLE, raising=False)


def idx_bytes(array) -> bytes:
    return bytes([0, 0, idx.UNSIGNED_BYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


class Python2Pickler(pickle._Pickler):
    """Pickles bytes as Python 2's ``str`` opcodes (BINSTRING), as CIFAR's batches were written."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj: bytes):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def python2_pickle(obj) -> bytes:
    import io

    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(obj)
    # numpy 2 names its array reconstruction numpy._core; the official batches, written by numpy 1, numpy.core
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def batch(images, labels, labels_key: str, extra=None) -> bytes:
    return python2_pickle(
        {
            b"batch_label": b"generated batch",
            labels_key.encode(): [int(v) for v in labels],
            b"data": images,
            b"filenames": extra if extra is not None else [f"image_{i}.png".encode() for i in range(len(labels))],
        }
    )


def images_and_labels(rng, n: int, classes: int, shape):
    labels = np.arange(n) % classes
    rng.shuffle(labels)
    return rng.integers(0, 256, size=(n, *shape), dtype=np.uint8), labels.astype(np.uint8)


def write_idx_dataset(folder, forms=(".gz",), n_train=40, n_test=20, seed=0):
    """The four IDX files in ``folder``, in each form ("" uncompressed, ".gz"); returns the arrays and the bytes."""
    rng = np.random.default_rng(seed)
    arrays = dict(
        zip(IDX_STEMS, (*images_and_labels(rng, n_train, 10, (28, 28)), *images_and_labels(rng, n_test, 10, (28, 28))))
    )
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for stem, array in arrays.items():
        content = idx_bytes(array)
        for form in forms:
            written[stem + form] = gzip.compress(content, mtime=0) if form else content
            (folder / (stem + form)).write_bytes(written[stem + form])
    return arrays, written


CIFAR = {  # dataset -> (folder, labels key, classes, training files, test file)
    "cifar10": ("cifar-10-batches-py", "labels", 10, [f"data_batch_{i}" for i in range(1, 6)], "test_batch"),
    "cifar100": ("cifar-100-python", "fine_labels", 100, ["train"], "test"),
}


def write_cifar_dataset(root, dataset: str, per_class_train=3, seed=0):
    """The dataset's batches in ``root``: ``per_class_train`` training images per class, one test image per class."""
    folder, key, classes, train_files, test_file = CIFAR[dataset]
    rng = np.random.default_rng(seed)
    (root / folder).mkdir(parents=True)
    train_images, train_labels = images_and_labels(rng, per_class_train * classes, classes, (cifar_batches.PIXELS,))
    arrays = {
        **{
            name: (images, labels)
            for name, images, labels in zip(
                train_files,
                np.array_split(train_images, len(train_files)),
                np.array_split(train_labels, len(train_files)),
            )
        },
        test_file: images_and_labels(rng, classes, classes, (cifar_batches.PIXELS,)),
    }
    written = {name: batch(*arrays[name], key) for name in arrays}
    for name, raw in written.items():
        (root / folder / name).write_bytes(raw)
    return arrays, written


def md5s(written: dict) -> dict:
    return {name: hashlib.md5(raw).hexdigest() for name, raw in written.items()}


def rows(x) -> set:
    return {bytes(row) for row in np.asarray(x)}


LOADERS = {
    "mnist": on_disk.load_mnist,
    "fashion-mnist": on_disk.load_fashion_mnist,
    "cifar10": on_disk.load_cifar10,
    "cifar100": on_disk.load_cifar100,
}


@pytest.mark.parametrize(
    "dataset, folder, forms",
    [
        ("mnist", "MNIST/raw", ("", ".gz")),  # as torchvision leaves it: the archives and their contents
        ("mnist", "mnist", (".gz",)),  # the official files in a folder named after the dataset
        ("mnist", "mnist", ("",)),  # decompressed by hand
        ("fashion-mnist", "FashionMNIST/raw", ("", ".gz")),
        ("fashion-mnist", "fashion-mnist", (".gz",)),
        ("fashion-mnist", "fashion-mnist", ("",)),
    ],
)
def test_idx_datasets_load_from_each_layout_gzipped_or_not(tmp_path, monkeypatch, dataset, folder, forms):
    arrays, written = write_idx_dataset(tmp_path / folder, forms)
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    with cards.substituted(dataset, files=md5s(written), validation=10):
        splits = LOADERS[dataset]()
    train_images, _, test_images, test_labels = arrays.values()
    assert splits.x_train.shape == (30, 784) and splits.x_val.shape == (10, 784) and splits.x_test.shape == (20, 784)
    assert splits.x_train.dtype == np.float32 and splits.y_train.dtype == np.int64
    assert np.array_equal(splits.x_test, test_images.reshape(20, 784) / np.float32(255))
    assert np.array_equal(splits.y_test, test_labels)
    # train and validation are the official training set, split; every class is in the validation split once
    official = rows(train_images.reshape(40, 784))
    assert (
        rows(np.rint(splits.x_train * 255).astype(np.uint8)) | rows(np.rint(splits.x_val * 255).astype(np.uint8))
        == official
    )
    assert sorted(splits.y_val) == list(range(10))


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100"])
def test_cifar_datasets_load_from_their_python_batches(tmp_path, monkeypatch, dataset):
    arrays, written = write_cifar_dataset(tmp_path, dataset)
    classes = CIFAR[dataset][2]
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    with cards.substituted(dataset, files=md5s(written), validation=classes):
        splits = LOADERS[dataset]()
    test_images, test_labels = arrays[CIFAR[dataset][4]]
    assert splits.x_train.shape == (2 * classes, 3072) and splits.x_val.shape == (classes, 3072)
    assert np.array_equal(splits.x_test, test_images / np.float32(255)) and np.array_equal(splits.y_test, test_labels)
    train = np.concatenate([arrays[name][0] for name in CIFAR[dataset][3]])
    assert rows(np.rint(np.concatenate([splits.x_train, splits.x_val]) * 255).astype(np.uint8)) == rows(train)
    assert sorted(splits.y_val) == list(range(classes))


def test_a_registered_task_trains_on_its_files(tmp_path, monkeypatch):
    from harness import shared_cache
    from harness.contract import Budget
    from harness.execution.worker import run_spec
    from harness.training.spec import RunSpec

    _, written = write_idx_dataset(tmp_path / "mnist")
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    shared_cache.use_folder(None)  # no splits of another test's files
    with cards.substituted("mnist", files=md5s(written), validation=10):
        (spec,) = plan(registry(), "scale", tasks=["mnist"], algorithms=["bp-sgd"], seeds=1)
        lean = RunSpec(
            **{**spec.fields(), "budget": Budget(presentations=60), "lean": True}
        )  # no metrics but the score
        result = run_spec(lean, registry())
    shared_cache.use_folder(None)
    assert result["status"] == "finished" and result["metrics"]["presentations"] == 60
    assert 0 <= result["metrics"]["val_score"] <= 1


def test_the_scale_suite_leaves_out_an_absent_dataset_in_one_warning_and_runs_the_present_one(tmp_path, monkeypatch):
    _, written = write_idx_dataset(tmp_path / "MNIST" / "raw")
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    with cards.substituted("mnist", files=md5s(written), validation=10), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        specs = plan(registry(), "scale", algorithms=["bp-sgd"], seeds=1)
    assert [(s.task, s.suite, s.budget) for s in specs] == [
        ("mnist", "scale", on_disk.BUDGET),
        ("mnist-lenet", "scale", on_disk.BUDGET),
    ]
    left_out = [str(w.message) for w in caught if w.category is MissingDatasetWarning]
    assert [message.split(":")[0] for message in left_out] == [
        f"the scale suite leaves out {dataset}" for dataset in ("fashion-mnist", "cifar10", "cifar100")
    ]  # one warning per dataset, however many of its tasks are left out
    assert "none of its files is in" in left_out[0]


def test_no_other_suite_runs_the_datasets_on_disk_even_when_present(tmp_path, monkeypatch):
    write_idx_dataset(tmp_path / "mnist")  # not the official files: no other suite even looks at them
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    for suite in ("quick", "extended", "ladder", "standard", "selection"):
        assert not {s.task for s in plan(registry(), suite)} & {"mnist", "mnist-lenet", "fashion-mnist"}, suite


def test_checksums_are_computed_once_per_process_per_file(tmp_path, monkeypatch):
    _, written = write_idx_dataset(tmp_path / "mnist")
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    checksums, computed, real_md5 = md5s(written), [], hashlib.md5
    monkeypatch.setattr(hashlib, "md5", lambda data, **kw: computed.append(len(data)) or real_md5(data, **kw))
    with cards.substituted("mnist", files=checksums, validation=10):
        on_disk.MNIST.check_files()
        on_disk.load_mnist()
        assert len(computed) == 4
        (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b")  # changed: checked again
        with pytest.raises(DatasetFilesError, match=r"t10k-labels-idx1-ubyte\.gz is truncated"):
            on_disk.load_mnist()
        assert len(computed) == 5


def test_the_idx_reader_names_what_is_wrong_with_a_file():
    good = idx_bytes(np.zeros((3, 2, 2), np.uint8))
    assert idx.read("x", good).shape == (3, 2, 2) and idx.read("x.gz", gzip.compress(good)).shape == (3, 2, 2)
    for name, raw, problem in [
        ("x", good[:-1], "truncated (its header promises 28 bytes, it holds 27)"),
        ("x", good[:6], "truncated (it ends within its 16-byte header)"),
        ("x", good + b"\0", "longer than its header says"),
        ("x", b"PK\x03\x04" + good, "not an IDX file"),
        ("x", bytes([0, 0, 0x0D, 1, 0, 0, 0, 0]), "an IDX file of type 0x0d, not of unsigned bytes"),
        ("x.gz", gzip.compress(good)[:-9], "truncated (its gzip stream ends early)"),
        ("x.gz", good, "not a gzip file"),
    ]:
        with pytest.raises(MalformedFile) as error:
            idx.read(name, raw)
        assert str(error.value).startswith(problem), (name, str(error.value))


class Foreign:
    """Pickles as a call of ``os.system``: a shell command that leaves a file behind."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_cifar_batch_naming_a_foreign_callable_is_refused_and_its_code_never_runs(tmp_path):
    images, labels = images_and_labels(np.random.default_rng(0), 10, 10, (cifar_batches.PIXELS,))
    assert cifar_batches.read(batch(images, labels, "labels"), "labels")[0].shape == (10, 3072)
    marker = tmp_path / "ran"
    tampered = batch(images, labels, "labels", extra=[Foreign(marker)])
    with pytest.raises(MalformedFile, match=r"refused: it names (posix|os)\.system, which no CIFAR batch does"):
        cifar_batches.read(tampered, "labels")
    assert not marker.exists()
    # negative control: a plain pickle.load of the same bytes runs the command, so the check above can fail
    pickle.loads(tampered, encoding="latin1")
    assert marker.exists()


@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("builtins", "getattr"), ("numpy", "load")])
def test_the_cifar_unpickler_admits_no_builtin_or_numpy_callable_but_array_reconstruction(module, name):
    forged = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x01\x00\x00\x001\x85R."  # module.name("1")
    with pytest.raises(MalformedFile, match=f"refused: it names {module}.{name}"):
        cifar_batches.read(forged, "labels")


def test_a_foreign_batch_behind_a_checksum_is_one_line_naming_the_file(tmp_path, monkeypatch):
    _, written = write_cifar_dataset(tmp_path, "cifar100")
    images, labels = images_and_labels(np.random.default_rng(1), 10, 100, (cifar_batches.PIXELS,))
    written["test"] = batch(images, labels, "fine_labels", extra=[Foreign(tmp_path / "ran")])
    (tmp_path / "cifar-100-python" / "test").write_bytes(written["test"])
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    with cards.substituted("cifar100", files=md5s(written), validation=100), pytest.raises(DatasetFilesError) as error:
        on_disk.load_cifar100()
    assert str(error.value).startswith(f"cifar100: {tmp_path / 'cifar-100-python' / 'test'} is refused: it names ")
    assert not (tmp_path / "ran").exists()


def creditbench(*args, cwd):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def broken(root, how: str) -> None:
    """MNIST's files in ``root`` (gzipped, as generated: not the official ones), one of them broken ``how``."""
    write_idx_dataset(root / "mnist")
    if how == "missing":
        (root / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    elif how == "truncated":
        images = root / "mnist" / "train-images-idx3-ubyte.gz"
        images.write_bytes(images.read_bytes()[:-20])


@pytest.mark.parametrize(
    "how, message",
    [
        ("absent", "mnist: none of its files is in {root}: put the official files (train-images-idx3-ubyte, "),
        ("missing", "mnist: t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz is missing from {root}/mnist, "),
        ("truncated", "mnist: {root}/mnist/train-images-idx3-ubyte.gz is truncated (its gzip stream ends early): "),
        ("foreign", "mnist: {root}/mnist/train-images-idx3-ubyte.gz is not the official file (MD5 "),
    ],
)
def test_a_missing_partial_or_foreign_file_is_one_line_exit_2_and_nothing_is_written(tmp_path, how, message):
    data, work = tmp_path / "data", tmp_path / "work"
    work.mkdir()
    data.mkdir()
    if how != "absent":
        broken(data, how)
    result = creditbench("run", "--suite", "scale", "--task", "mnist", "--data-dir", str(data), cwd=work)
    assert result.returncode == 2
    assert result.stderr.startswith("creditbench: error: " + message.format(root=data)), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and list(work.iterdir()) == []


def test_the_scale_suite_with_no_dataset_present_is_one_line_exit_2_naming_both(tmp_path):
    result = creditbench("run", "--suite", "scale", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert (
        "the scale suite found none of its datasets: mnist: no data folder (--data-dir DIR or CREDITBENCH_DATA"
        in result.stderr
    )
    assert "fashion-mnist: no data folder" in result.stderr and list(tmp_path.iterdir()) == []


def test_a_broken_data_folder_costs_no_other_task(tmp_path, monkeypatch):
    broken(tmp_path, "truncated")
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    assert {s.task for s in plan(registry(), "quick", algorithms=["bp-sgd"])} >= {"digits", "mnist5k", "mnist1d"}
    with pytest.raises(DatasetFilesError, match="is truncated"):  # while the scale suite refuses to start
        plan(registry(), "scale", algorithms=["bp-sgd"])
