"""Fitted models in a kernel namespace, saved in their framework's own (safe where possible) format.

A framework is recognised from the classes in an object's MRO (``cls.__module__``), so nothing is
imported to find out what an object is; a framework module is imported only to save or check an
object that already belongs to it (it is then already in ``sys.modules``).

    scikit-learn  .skops (skops, if installed) else .joblib (a pickle: warned)
    PyTorch       state_dict as .safetensors (safetensors, if installed) else torch.save .pt
    XGBoost       native .ubj (Booster or XGBModel)
    LightGBM      native .txt (Booster, or the fitted booster of an LGBMModel)
    Keras         .keras
    anything else .pkl with a warning that loading a pickle runs code
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import pickle
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument
from . import atomic_target, file_stem, user_variables

__all__ = [
    "ModelFile",
    "distribution_version",
    "find_models",
    "framework_of",
    "is_fitted_model",
    "plan_model",
    "save_model",
]

# framework -> (top-level module names, class names marking it in the MRO)
_MARKERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "xgboost": (frozenset({"xgboost"}), frozenset({"Booster", "XGBModel"})),
    "lightgbm": (frozenset({"lightgbm"}), frozenset({"Booster", "LGBMModel"})),
    "keras": (frozenset({"keras", "tf_keras", "tensorflow"}), frozenset({"Model"})),
    "pytorch": (frozenset({"torch"}), frozenset({"Module"})),
    "scikit-learn": (frozenset({"sklearn"}), frozenset({"BaseEstimator"})),
}
_PICKLE_WARNING = (
    "{name}: saved with {how}, which is a pickle: loading it runs arbitrary code, so load it only "
    "from a source you trust{hint}"
)


@dataclass
class ModelFile:
    """A model written to disk and what the Kitfile records about it."""

    path: Path
    framework: str
    version: str
    format: str
    warnings: list[str] = field(default_factory=list)


def framework_of(obj: object) -> tuple[str, str] | None:
    """``(framework, top-level module)`` for a model object, from its class hierarchy, or None."""
    if isinstance(obj, type):
        return None
    for cls in type(obj).__mro__:
        root = cls.__module__.split(".")[0]
        for framework, (roots, names) in _MARKERS.items():
            if root in roots and cls.__name__ in names:
                return framework, root
    return None


def is_fitted_model(obj: object) -> bool:
    """True for a recognised model object that has been fitted (or built, for torch/keras)."""
    found = framework_of(obj)
    if found is None:
        return False
    try:
        return _FITTED[found[0]](obj)
    except Exception:  # a half-built or broken object is simply not a fitted model
        return False


def find_models(namespace: Mapping[str, object]) -> dict[str, object]:
    """The user's fitted models by variable name (sorted; aliases and IPython caches skipped)."""
    return {name: value for name, value in user_variables(namespace) if is_fitted_model(value)}


def _sklearn_fitted(obj: Any) -> bool:
    validation = importlib.import_module("sklearn.utils.validation")
    validation.check_is_fitted(obj)
    return True


def _is_booster(obj: object) -> bool:
    return any(cls.__name__ == "Booster" for cls in type(obj).__mro__)


def _xgboost_fitted(obj: Any) -> bool:
    if not _is_booster(obj):
        obj.get_booster()  # raises NotFittedError before fit
    return True


def _lightgbm_fitted(obj: Any) -> bool:
    return _lightgbm_booster(obj) is not None  # LGBMModel.booster_ raises before fit


def _torch_fitted(obj: Any) -> bool:
    return len(obj.state_dict()) > 0  # layers without weights (nn.ReLU()) are not worth packing


def _keras_fitted(obj: Any) -> bool:
    return bool(getattr(obj, "built", False))


_FITTED: dict[str, Callable[[Any], bool]] = {
    "scikit-learn": _sklearn_fitted,
    "xgboost": _xgboost_fitted,
    "lightgbm": _lightgbm_fitted,
    "pytorch": _torch_fitted,
    "keras": _keras_fitted,
}


def distribution_version(module_root: str) -> tuple[str, str]:
    """``(distribution name, version)`` providing top-level module ``module_root``; ``""`` when unknown."""
    names = importlib.metadata.packages_distributions().get(module_root, [])
    for dist in names:
        try:
            return dist, importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    module = sys.modules.get(module_root)
    return (names[0] if names else ""), str(getattr(module, "__version__", ""))


# framework -> (module the format needs or None, file suffix, format); the first available one is used
_FORMATS: dict[str, list[tuple[str | None, str, str]]] = {
    "scikit-learn": [("skops", "skops", "skops"), (None, "joblib", "joblib")],
    "pytorch": [("safetensors", "safetensors", "safetensors"), (None, "pt", "pytorch-state-dict")],
    "xgboost": [(None, "ubj", "ubj")],
    "lightgbm": [(None, "txt", "lightgbm-text")],
    "keras": [(None, "keras", "keras")],
}


def plan_model(obj: object, dest_dir: Path, name: str) -> ModelFile:
    """Where and in which format :func:`save_model` saves ``obj``, without saving (for previews).

    The warnings that only saving reveals (a pickle fallback, skops' untrusted types) are not known yet.
    """
    stem = file_stem(name, "model")
    found = framework_of(obj)
    if found is None:
        dist, version = distribution_version(type(obj).__module__.split(".")[0])
        return ModelFile(Path(dest_dir) / f"{stem}.pkl", dist, version, "pickle")
    framework, root = found
    suffix, fmt = next(
        (suffix, fmt)
        for module, suffix, fmt in _FORMATS[framework]
        if module is None or importlib.util.find_spec(module) is not None
    )
    return ModelFile(Path(dest_dir) / f"{stem}.{suffix}", framework, distribution_version(root)[1], fmt)


def save_model(obj: object, dest_dir: Path, name: str) -> ModelFile:
    """Save ``obj`` under ``dest_dir/<name>.<ext>`` in its framework's format (see module doc)."""
    planned = plan_model(obj, dest_dir, name)
    if planned.format == "pickle":
        return _save_pickle(obj, planned, name)
    path, fmt, warnings = _SAVERS[planned.framework](obj, planned.path, planned.format, name)
    return ModelFile(path, planned.framework, planned.version, fmt, warnings)


_SaveResult = tuple[Path, str, list[str]]


def _save_sklearn(obj: Any, path: Path, fmt: str, name: str) -> _SaveResult:
    if fmt == "skops":
        sio = importlib.import_module("skops.io")
        try:
            with atomic_target(path) as tmp:
                sio.dump(obj, tmp)
        except Exception as err:  # skops cannot represent every estimator; joblib can
            fallback = f"{name}: skops could not save it ({type(err).__name__}: {err}); used joblib instead"
            path, fmt, warnings = _save_joblib(obj, path.with_suffix(".joblib"), name)
            return path, fmt, [fallback, *warnings]
        return path, "skops", _skops_notes(sio, path, name)
    return _save_joblib(obj, path, name, hint="; install skops to save scikit-learn models safely")


def _skops_notes(sio: Any, path: Path, name: str) -> list[str]:
    untrusted = sio.get_untrusted_types(file=path)
    if not untrusted:
        return []
    return [f"{name}: loading {path.name} with skops.io.load needs trusted={untrusted!r}; review those types"]


def _save_joblib(obj: Any, path: Path, name: str, hint: str = "") -> _SaveResult:
    joblib = importlib.import_module("joblib")
    with atomic_target(path) as tmp:
        joblib.dump(obj, tmp)
    return path, "joblib", [_PICKLE_WARNING.format(name=name, how="joblib", hint=hint)]


def _save_torch(obj: Any, path: Path, fmt: str, name: str) -> _SaveResult:
    cls = f"{type(obj).__module__}.{type(obj).__qualname__}"
    note = f"{name}: saved the weights (state_dict) only; rebuild with {cls}(...) and load_state_dict"
    if fmt == "safetensors":
        st_torch = importlib.import_module("safetensors.torch")
        with atomic_target(path) as tmp:
            st_torch.save_model(obj, str(tmp))  # handles shared (tied) tensors, unlike save_file
        return path, "safetensors", [note]
    torch = sys.modules["torch"]
    with atomic_target(path) as tmp:
        torch.save(obj.state_dict(), tmp)
    return path, "pytorch-state-dict", [f"{note} (torch.load(..., weights_only=True))"]


def _save_xgboost(obj: Any, path: Path, fmt: str, name: str) -> _SaveResult:
    with atomic_target(path) as tmp:
        obj.save_model(str(tmp))
    return path, "ubj", []


def _lightgbm_booster(obj: Any) -> Any:
    return obj if _is_booster(obj) else obj.booster_


def _save_lightgbm(obj: Any, path: Path, fmt: str, name: str) -> _SaveResult:
    with atomic_target(path) as tmp:
        _lightgbm_booster(obj).save_model(str(tmp))
    notes = (
        []
        if _is_booster(obj)
        else [f"{name}: saved its fitted booster; reload with lightgbm.Booster(model_file=...)"]
    )
    return path, "lightgbm-text", notes


def _save_keras(obj: Any, path: Path, fmt: str, name: str) -> _SaveResult:
    with atomic_target(path) as tmp:
        obj.save(str(tmp))
    return path, "keras", []


# framework -> saver(obj, path, format, name), for the path and format plan_model chose
_SAVERS: dict[str, Callable[[Any, Path, str, str], _SaveResult]] = {
    "scikit-learn": _save_sklearn,
    "xgboost": _save_xgboost,
    "lightgbm": _save_lightgbm,
    "pytorch": _save_torch,
    "keras": _save_keras,
}


def _save_pickle(obj: object, planned: ModelFile, name: str) -> ModelFile:
    path = planned.path
    try:
        with atomic_target(path) as tmp, open(tmp, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        raise InvalidArgument(
            f"cannot save model {name!r} ({type(obj).__qualname__}): it cannot be pickled ({err}); "
            "save it yourself and point the Kitfile's model path at the file"
        ) from err
    hint = (
        "; its class is defined in the notebook, so loading needs that class again"
        if type(obj).__module__ == "__main__"
        else ""
    )
    warning = _PICKLE_WARNING.format(name=name, how="pickle", hint=hint)
    return ModelFile(path, planned.framework, planned.version, "pickle", [warning])
