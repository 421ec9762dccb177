"""requirements.txt from what the kernel imported: the work's libraries, not the notebook machinery."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from kitops_jupyter.core.requirements import imported_distributions, requirements_txt, unpackaged_modules


def _version(dist: str) -> str:
    return md.version(dist)


def test_pins_the_work_and_leaves_out_the_kernel_machinery() -> None:
    import ipykernel
    import ipykernel.kernelapp  # noqa: F401  (what a kernel has loaded)
    import pandas  # noqa: F401
    import sklearn.linear_model  # noqa: F401

    pins = imported_distributions(sys.modules)
    assert f"scikit-learn=={_version('scikit-learn')}" in pins
    assert f"pandas=={_version('pandas')}" in pins
    assert f"numpy=={_version('numpy')}" in pins
    names = {pin.split("==")[0].lower() for pin in pins}
    machinery = {"ipykernel", "ipython", "traitlets", "tornado", "pyzmq", "jupyter_client", "jupyter-client"}
    assert not names & machinery, names & machinery
    assert not names & {"comm", "debugpy", "psutil", "python-dateutil", "kitops-jupyter"}
    assert pins == sorted(pins, key=lambda p: p.split("==")[0].lower().replace("_", "-"))
    assert pins == imported_distributions(sys.modules)


def test_stdlib_private_and_unimported_modules_are_not_pinned() -> None:
    import sklearn

    modules: dict[str, ModuleType | None] = {
        "json": json,
        "_pytest": sys.modules.get("_pytest"),
        "sklearn": sklearn,
        "sklearn.base": sys.modules["sklearn.base"],
        "kitops_jupyter": sys.modules["kitops_jupyter"],
    }
    assert imported_distributions(modules) == [f"scikit-learn=={_version('scikit-learn')}"]


def test_requirements_txt_format() -> None:
    import sklearn

    text = requirements_txt({"sklearn": sklearn})
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    assert lines[1:] == [f"scikit-learn=={_version('scikit-learn')}"]
    assert text.endswith("\n")


def test_local_helper_modules_are_reported(tmp_path: Path) -> None:
    helper = tmp_path / "my_helpers.py"
    helper.write_text("VALUE = 1\n")
    spec = importlib.util.spec_from_file_location("my_helpers", helper)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import sklearn

    modules = {"my_helpers": module, "sklearn": sklearn, "json": json}
    assert unpackaged_modules(modules) == {"my_helpers": str(helper)}
    assert imported_distributions(modules) == [f"scikit-learn=={_version('scikit-learn')}"]
