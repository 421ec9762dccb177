"""The panel's widget-free parts: candidates, the live Kitfile preview, staging, login's registry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from kitops_jupyter.adapter_helpers.capture import build_kitfile_from_kernel
from kitops_jupyter.core.kitfile import parse_kitfile, validate_kitfile
from kitops_jupyter.errors import InvalidArgument
from kitops_jupyter.panel import state as st
from kitops_jupyter.panel.operations import registry_of
from kitops_jupyter.panel.staging import PREFIX, stage_files, staging_dir


@pytest.fixture
def namespace() -> dict[str, object]:
    rng = np.random.default_rng(3)
    train = pd.DataFrame({"x": rng.normal(size=40), "y": np.arange(40) % 2})
    clf = LogisticRegression().fit(train[["x"]], train["y"])
    return {"train": train, "clf": clf, "unfitted": LogisticRegression(), "n": 3, "_": train}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "project"
    (work / "src").mkdir(parents=True)
    (work / "src" / "features.py").write_text("def f(x):\n    return x\n")
    (work / "README.md").write_text("# Project\n")
    (work / "train.py").write_text("print('train')\n")
    (work / "extra.csv").write_text("a,b\n1,2\n")
    (work / "weights.safetensors").write_bytes(b"\0" * 16)
    for hidden in (".env", "Kitfile", ".git"):
        (work / hidden).write_text("SECRET=1\n")
    (work / "__pycache__").mkdir()
    return work


def test_scan_lists_dataframes_fitted_models_and_visible_files(
    namespace: dict[str, object], workdir: Path
) -> None:
    found = st.scan(namespace, workdir)
    assert [c.key for c in found.dataframes] == ["train"]
    assert found.dataframes[0].label == "train (40 × 2)"
    assert [c.key for c in found.models] == ["clf"]  # the unfitted estimator is not offered
    assert "scikit-learn LogisticRegression" in found.models[0].label
    assert [c.key for c in found.files] == [
        "extra.csv",
        "README.md",
        "src",
        "train.py",
        "weights.safetensors",
    ]
    assert [c.label for c in found.files][2] == "src/"
    assert not found.truncated


def test_preview_follows_the_state_without_writing(namespace: dict[str, object], workdir: Path) -> None:
    before = sorted(p.name for p in workdir.iterdir())
    state = st.PanelState(requirements=False, name="churn", version="1.0", authors="Ana, Bo", license="MIT")
    doc = st.preview_document(state, namespace, workdir)
    assert doc == {
        "manifestVersion": "1.0.0",
        "package": {"name": "churn", "version": "1.0", "authors": ["Ana", "Bo"], "license": "MIT"},
    }
    state.dataframes, state.models, state.requirements = ["train"], ["clf"], True
    state.files = ["README.md", "src", "extra.csv", "weights.safetensors"]
    doc = st.preview_document(state, namespace, workdir)
    assert list(doc) == ["manifestVersion", "package", "model", "code", "datasets", "docs"]
    assert doc["model"]["name"] == "clf" and doc["model"]["path"].startswith("model/clf.")
    assert doc["model"]["parts"] == [{"name": "weights.safetensors", "path": "weights.safetensors"}]
    assert [c["path"] for c in doc["code"]] == ["requirements.txt", "src"]
    assert doc["datasets"][0]["path"] == "data/train.parquet"
    assert doc["datasets"][0]["parameters"]["rows"] == 40
    assert doc["datasets"][1] == {"name": "extra.csv", "path": "extra.csv"}
    assert doc["docs"] == [{"path": "README.md"}]
    assert sorted(p.name for p in workdir.iterdir()) == before
    text = st.preview_text(state, namespace, workdir)
    assert text.startswith("# Preview") and "path: data/train.parquet" in text


def test_preview_matches_the_real_capture(
    namespace: dict[str, object], workdir: Path, tmp_path: Path
) -> None:
    """The preview names the same paths the kernel capture then writes."""
    state = st.PanelState(dataframes=["train"], models=["clf"], files=["train.py"], name="churn")
    preview = st.preview_document(state, namespace, workdir)
    capture = build_kitfile_from_kernel(
        namespace,
        tmp_path / "cap",
        datasets={"train": "train"},
        models=["clf"],
        package=state.package(workdir),
    )
    final = st.final_document(capture.kitfile_text, state.files, workdir)
    assert final["model"]["path"] == preview["model"]["path"]
    assert final["model"]["format"] == preview["model"]["format"]
    assert final["datasets"] == preview["datasets"]
    assert final["code"] == preview["code"]
    kitfile = parse_kitfile(st.dump_document(final))  # the packer's strict parser accepts the text
    validate_kitfile(kitfile)
    assert [c.path for c in kitfile.code] == ["requirements.txt", "train.py"]


def test_weight_file_becomes_the_model_when_no_object_is_picked(workdir: Path) -> None:
    state = st.PanelState(files=["weights.safetensors"], requirements=False)
    doc = st.preview_document(state, {}, workdir)
    assert doc["model"] == {"name": "weights", "path": "weights.safetensors"}
    assert doc["package"]["name"] == "project"  # the working directory's name


def test_collisions_and_vanished_variables_are_explained(namespace: dict[str, object], workdir: Path) -> None:
    (workdir / "data").mkdir()
    state = st.PanelState(dataframes=["train"], files=["data"])
    with pytest.raises(InvalidArgument, match="'data' has the same path as the picked DataFrames"):
        st.preview_document(state, namespace, workdir)
    state = st.PanelState(dataframes=["gone"])
    assert st.preview_text(state, namespace, workdir) == (
        "# Cannot build a Kitfile yet: the DataFrame 'gone' is no longer in the kernel; press Refresh\n"
    )


def test_dump_round_trips_types() -> None:
    doc = {
        "manifestVersion": "1.0.0",
        "package": {"name": "x", "version": "1.10"},
        "datasets": [
            {"name": "d", "path": "d.csv", "parameters": {"rows": 3, "flag": "yes", "when": "2024-01-01"}}
        ],
    }
    assert yaml.safe_load(st.dump_document(doc)) == doc


def test_staging_links_files_strips_notebooks_and_skips_secrets(workdir: Path) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": "print(1)",
                "metadata": {},
                "execution_count": 4,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "token=abc\n"}],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (workdir / "src" / "explore.ipynb").write_text(json.dumps(nb))
    (workdir / "src" / ".env").write_text("PASSWORD=hunter2\n")
    (workdir / "src" / "__pycache__").mkdir()
    with staging_dir(workdir) as staging:
        assert staging.parent == workdir and staging.name.startswith(PREFIX)
        placed = stage_files(workdir, staging, ["train.py", "src"])
        assert placed == [staging / "train.py", staging / "src"]
        assert (staging / "train.py").stat().st_ino == (workdir / "train.py").stat().st_ino  # a hard link
        assert sorted(p.name for p in (staging / "src").iterdir()) == ["explore.ipynb", "features.py"]
        copied = json.loads((staging / "src" / "explore.ipynb").read_text())
        assert copied["cells"][0]["outputs"] == []
        with pytest.raises(InvalidArgument, match=r"'nope\.txt' is no longer in"):
            stage_files(workdir, staging, ["nope.txt"])
    assert not staging.exists()


def test_registry_of_reference() -> None:
    assert registry_of("127.0.0.1:5000/team/model:v1") == "127.0.0.1:5000"
    assert registry_of("ghcr.io/org/model:v1") == "ghcr.io"
    assert registry_of("localhost/model") == "localhost"
    with pytest.raises(InvalidArgument, match="enter the registry to log in to"):
        registry_of("team/model:v1")
