"""A Kitfile and its files from a live namespace: real DataFrames, a fitted model, a notebook file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

from kitops_jupyter.adapter_helpers.capture.kitfile_builder import build_kitfile_from_kernel
from kitops_jupyter.core.datasetreaders import read_dataset_dir
from kitops_jupyter.core.kitfile import parse_kitfile, validate_kitfile
from kitops_jupyter.errors import InvalidArgument


@pytest.fixture
def namespace() -> dict[str, object]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3))
    train = pd.DataFrame(x, columns=["f1", "f2", "f3"]).assign(y=(x[:, 0] > 0).astype("int64"))
    test = train.sample(10, random_state=0)
    clf = LogisticRegression().fit(train[["f1", "f2", "f3"]], train["y"])
    return {"train": train, "test": test, "clf": clf, "spare": LogisticRegression(), "_": train, "n": 3}


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("clf.fit(X, y)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "LogisticRegression()"})]
    nb.cells = [cell]
    path = tmp_path / "project" / "Train Model.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, str(path))
    return path


def test_everything_in_the_namespace(tmp_path: Path, namespace: dict[str, object], notebook: Path) -> None:
    work = tmp_path / "kit"
    capture = build_kitfile_from_kernel(
        namespace, work, notebook=notebook, package={"name": "churn", "version": "1.0.0", "authors": "Ana"}
    )
    rels = sorted(p.relative_to(work).as_posix() for p in capture.files_written)
    assert rels == [
        "data/test.parquet",
        "data/train.parquet",
        "model/clf.skops" if _has("skops") else "model/clf.joblib",
        "notebooks/Train_Model.ipynb",
        "requirements.txt",
    ]
    kf = parse_kitfile(capture.kitfile_text)
    validate_kitfile(kf)
    assert (kf.package.name, kf.package.version, kf.package.authors) == ("churn", "1.0.0", ["Ana"])
    assert kf.model is not None
    assert (kf.model.name, kf.model.framework) == ("clf", "scikit-learn")

    assert kf.model.version == ""  # the model's version is not the library's
    assert kf.model.description == f"saved with scikit-learn {sklearn.__version__}"
    assert kf.model.path == rels[2] and kf.model.parts == []
    train = next(d for d in kf.datasets if d.name == "train")
    assert train.path == "data/train.parquet"
    assert train.description == "60 rows × 4 columns: f1 float64, f2 float64, f3 float64, y int64"
    assert train.parameters["rows"] == 60 and train.parameters["dtypes"]["y"] == "int64"
    assert [c.path for c in kf.code] == ["notebooks/Train_Model.ipynb", "requirements.txt"]
    requirements = (work / "requirements.txt").read_text()
    assert f"scikit-learn=={sklearn.__version__}" in requirements
    assert "ipykernel" not in requirements
    stripped = nbformat.read(str(work / "notebooks" / "Train_Model.ipynb"), as_version=4)
    assert stripped.cells[0].outputs == []
    pd.testing.assert_frame_equal(read_dataset_dir(work / "data" / "train.parquet"), namespace["train"])


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_explicit_selection_and_no_requirements(tmp_path: Path, namespace: dict[str, object]) -> None:
    capture = build_kitfile_from_kernel(
        namespace,
        tmp_path,
        datasets={"training set": "train"},
        models=[],
        notebook=None,
        include_requirements=False,
    )
    kf = parse_kitfile(capture.kitfile_text)
    assert kf.model is None and kf.code == []
    assert [(d.name, d.path) for d in kf.datasets] == [("training set", "data/training_set.parquet")]
    assert kf.package.name == tmp_path.name
    assert [p.name for p in capture.files_written] == ["training_set.parquet"]


def test_several_models_become_parts_and_unknown_objects_are_pickled(
    tmp_path: Path, namespace: dict[str, object]
) -> None:
    capture = build_kitfile_from_kernel(
        namespace, tmp_path, datasets={}, models=["clf", "n"], include_requirements=False
    )
    kf = parse_kitfile(capture.kitfile_text)
    assert kf.model is not None and kf.model.name == "clf"
    assert [(p.name, p.path) for p in kf.model.parts] == [("n", "model/n.pkl")]
    assert any("model parts" in w for w in capture.warnings)
    assert any("pickle" in w and "runs arbitrary code" in w for w in capture.warnings)


def test_csv_datasets(tmp_path: Path, namespace: dict[str, object]) -> None:
    capture = build_kitfile_from_kernel(
        namespace,
        tmp_path,
        datasets={"t": "test"},
        models=[],
        include_requirements=False,
        dataset_format="csv",
    )
    assert parse_kitfile(capture.kitfile_text).datasets[0].path == "data/t.csv"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"datasets": {"x": "missing"}}, "no variable named 'missing'"),
        ({"datasets": {"x": "clf"}}, "variable 'clf' is a LogisticRegression, not a DataFrame"),
        ({"datasets": {"a b": "train", "a_b": "test"}}, "would overwrite a_b.parquet"),
        ({"models": ["nope"]}, "no variable named 'nope'"),
        ({"package": {"nmae": "x"}}, "unknown package field"),
    ],
)
def test_clear_errors(
    tmp_path: Path, namespace: dict[str, object], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build_kitfile_from_kernel(namespace, tmp_path, include_requirements=False, **kwargs)  # type: ignore[arg-type]


def test_refuses_to_strip_the_notebook_in_place(tmp_path: Path, namespace: dict[str, object]) -> None:
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    nb = nb_dir / "train.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(nb))
    before = nb.read_bytes()
    with pytest.raises(InvalidArgument, match="another directory"):
        build_kitfile_from_kernel(namespace, tmp_path, datasets={}, models=[], notebook=nb)
    assert nb.read_bytes() == before


def test_rerun_rewrites_the_same_files(tmp_path: Path, namespace: dict[str, object]) -> None:
    first = build_kitfile_from_kernel(namespace, tmp_path, models=[], include_requirements=False)
    data = {p: p.read_bytes() for p in first.files_written}
    second = build_kitfile_from_kernel(namespace, tmp_path, models=[], include_requirements=False)
    assert second.kitfile_text == first.kitfile_text
    assert {p: p.read_bytes() for p in second.files_written} == data


class Custom:  # not a recognised framework: pickled, as an unknown model object is
    pass


def test_planning_gives_the_written_kitfile_and_writes_nothing(
    tmp_path: Path, namespace: dict[str, object], notebook: Path
) -> None:
    """``write=False`` is the panel's live preview: the same Kitfile text, not one file on disk."""
    namespace = {**namespace, "custom": Custom()}
    options: dict[str, Any] = {
        "datasets": {"train": "train"},
        "models": ["clf", "custom"],
        "notebook": notebook,
        "package": {"version": "1.0.0"},
    }
    planned = build_kitfile_from_kernel(namespace, tmp_path / "plan", write=False, **options)
    assert not (tmp_path / "plan").exists()
    written = build_kitfile_from_kernel(namespace, tmp_path / "kit", **options)
    assert planned.kitfile_text == written.kitfile_text
    assert "name: Train Model" in planned.kitfile_text  # the notebook names the package
    assert [p.relative_to(tmp_path / "plan") for p in planned.files_written] == [
        p.relative_to(tmp_path / "kit") for p in written.files_written
    ]
