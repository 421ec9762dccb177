"""Fitted models found in a namespace and saved in their own formats; reloaded models predict the same."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kitops_jupyter.adapter_helpers.capture.models import find_models, framework_of, save_model
from kitops_jupyter.errors import InvalidArgument

ROOT = Path(__file__).resolve().parents[1]
import sklearn  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    return x, y


class Custom:
    """A model-like object of no known framework (picklable: defined at module level)."""

    def __init__(self) -> None:
        self.weights = [1.0, 2.0]

    def predict(self, x: list[float]) -> float:
        return sum(w * v for w, v in zip(self.weights, x, strict=True))


def test_find_models_takes_fitted_estimators_only(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    clf = LogisticRegression().fit(x, y)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    namespace = {
        "clf": clf,
        "pipe": pipe,
        "unfitted": LogisticRegression(),
        "unfitted_pipe": make_pipeline(StandardScaler(), LogisticRegression()),
        "LogisticRegression": LogisticRegression,  # the class itself
        "_": clf,
        "_last": pipe,
        "custom": Custom(),
        "x": x,
    }
    assert find_models(namespace) == {"clf": clf, "pipe": pipe}


def test_framework_of_uses_the_class_hierarchy() -> None:
    assert framework_of(LinearRegression()) == ("scikit-learn", "sklearn")
    assert framework_of(Custom()) is None
    assert framework_of(LinearRegression) is None
    fake_torch_module = type("Module", (), {"__module__": "torch.nn.modules.module"})
    net = type("Net", (fake_torch_module,), {"__module__": "__main__"})()
    assert framework_of(net) == ("pytorch", "torch")


def test_finding_models_imports_no_framework() -> None:
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "from kitops_jupyter.adapter_helpers.capture.models import find_models\n"
        "assert find_models({'df': pd.DataFrame({'a': [1]}), 'n': 3, 'f': len}) == {}\n"
        "heavy = ('sklearn', 'torch', 'xgboost', 'lightgbm', 'keras', 'tensorflow', 'skops', 'joblib')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sklearn_pipeline_saved_with_skops_reloads_and_predicts_the_same(
    tmp_path: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    import skops.io as sio

    x, y = data
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    info = save_model(pipe, tmp_path / "model", "pipe")
    assert info.path == tmp_path / "model" / "pipe.skops"
    assert (info.framework, info.version, info.format) == ("scikit-learn", sklearn.__version__, "skops")
    trusted = sio.get_untrusted_types(file=info.path)
    assert all(t.startswith(("sklearn.", "numpy.")) for t in trusted), trusted
    back = sio.load(info.path, trusted=trusted)
    np.testing.assert_array_equal(back.predict_proba(x), pipe.predict_proba(x))
    assert sorted(p.name for p in info.path.parent.iterdir()) == ["pipe.skops"]


def test_sklearn_without_skops_uses_joblib_and_warns(
    tmp_path: Path, data: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    import joblib

    real_find_spec = importlib.util.find_spec

    def no_skops(name: str, *args: Any) -> Any:
        return None if name == "skops" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", no_skops)
    x, y = data
    clf = LogisticRegression().fit(x, y)
    info = save_model(clf, tmp_path, "clf")
    assert (info.path.name, info.format) == ("clf.joblib", "joblib")
    assert any("pickle" in w and "install skops" in w for w in info.warnings)
    np.testing.assert_array_equal(joblib.load(info.path).predict(x), clf.predict(x))


def test_xgboost_native_ubj(tmp_path: Path, data: tuple[np.ndarray, np.ndarray]) -> None:
    import xgboost as xgb

    x, y = data
    clf = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(x, y)
    assert find_models({"clf": clf, "unfitted": xgb.XGBClassifier()}) == {"clf": clf}
    info = save_model(clf, tmp_path, "clf")
    assert (info.path.name, info.framework, info.format) == ("clf.ubj", "xgboost", "ubj")
    assert info.version == xgb.__version__
    back = xgb.XGBClassifier()
    back.load_model(info.path)
    np.testing.assert_array_equal(back.predict_proba(x), clf.predict_proba(x))
    booster_info = save_model(clf.get_booster(), tmp_path, "booster")
    booster = xgb.Booster(model_file=str(booster_info.path))
    np.testing.assert_allclose(booster.predict(xgb.DMatrix(x)), clf.predict_proba(x)[:, 1], rtol=1e-6)


def test_lightgbm_native_text(tmp_path: Path, data: tuple[np.ndarray, np.ndarray]) -> None:
    import lightgbm as lgb

    x, y = data
    reg = lgb.LGBMRegressor(n_estimators=5, verbose=-1).fit(x, y.astype(float))
    assert find_models({"reg": reg, "unfitted": lgb.LGBMRegressor()}) == {"reg": reg}
    info = save_model(reg, tmp_path, "reg")
    assert (info.path.name, info.framework, info.format) == ("reg.txt", "lightgbm", "lightgbm-text")
    assert any("lightgbm.Booster(model_file=" in w for w in info.warnings)
    back = lgb.Booster(model_file=str(info.path))
    np.testing.assert_allclose(back.predict(x), reg.predict(x))


def test_keras_model(tmp_path: Path) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")  # the CPU backend installed with the test extras
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    info = save_model(model, tmp_path, "k")
    assert (info.path.name, info.framework, info.format) == ("k.keras", "keras", "keras")
    sample = np.ones((2, 4), dtype="float32")
    np.testing.assert_allclose(keras.models.load_model(info.path).predict(sample), model.predict(sample))


def test_unknown_objects_are_pickled_with_a_warning(tmp_path: Path) -> None:
    info = save_model(Custom(), tmp_path, "custom")
    assert (info.path.name, info.format) == ("custom.pkl", "pickle")
    assert any("runs arbitrary code" in w for w in info.warnings)
    with open(info.path, "rb") as f:
        assert pickle.load(f).predict([1.0, 1.0]) == 3.0


def test_unpicklable_objects_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"cannot save model 'f'.*cannot be pickled"):
        save_model(lambda v: v, tmp_path, "f")
    assert list(tmp_path.iterdir()) == []


def test_torch_dispatch_without_safetensors_uses_torch_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand-in ``torch`` (the real wheel is too big for the test venv): checks file name, format and note."""
    saved: dict[str, Any] = {}

    def fake_save(obj: object, path: Path) -> None:
        saved["obj"] = obj
        Path(path).write_bytes(b"pt")

    fake_torch: Any = type(sys)("torch")
    fake_torch.save = fake_save
    module_base = type(
        "Module", (), {"__module__": "torch.nn.modules.module", "state_dict": lambda self: {"w": 1}}
    )
    net = type("Net", (module_base,), {"__module__": "__main__"})()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda n, *a: None if n == "safetensors" else real_find_spec(n, *a),
    )
    info = save_model(net, tmp_path, "net")
    assert (info.path.name, info.framework, info.format) == ("net.pt", "pytorch", "pytorch-state-dict")
    assert saved["obj"] == {"w": 1}
    assert info.path.read_bytes() == b"pt"
    assert any("__main__.Net(...)" in w and "weights_only=True" in w for w in info.warnings)
