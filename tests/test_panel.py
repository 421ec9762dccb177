"""The widget panel driven like a user would: ``.value`` changes and ``Button.click()``, real registry."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import pytest
import yaml
from ipywidgets.embed import embed_data
from sklearn.linear_model import LogisticRegression

from kitops_jupyter import api
from kitops_jupyter.errors import KitError
from kitops_jupyter.panel import FALLBACK_TEXT, KitPanel, show_panel
from tests.registry_fixtures import RegistryServer


@pytest.fixture
def namespace() -> dict[str, object]:
    rng = np.random.default_rng(7)
    train = pd.DataFrame({"f1": rng.normal(size=50), "f2": rng.normal(size=50)})
    train["label"] = (train["f1"] > 0).astype("int64")
    clf = LogisticRegression().fit(train[["f1", "f2"]], train["label"])
    return {"train": train, "clf": clf}


@pytest.fixture
def panel(namespace: dict[str, object], tmp_path: Path) -> KitPanel:
    work = tmp_path / "work"
    work.mkdir()
    (work / "README.md").write_text("# Churn model\n")
    (work / "train.py").write_text("print('training')\n")
    return KitPanel(namespace, directory=work)


def _pick(panel: KitPanel, reference: str) -> None:
    panel.dataframe_boxes["train"].value = True
    panel.model_boxes["clf"].value = True
    panel.file_boxes["README.md"].value = True
    panel.requirements.value = False  # keeps the test fast; the capture itself is tested elsewhere
    panel.name.value = "churn"
    panel.version.value = "1.0.0"
    panel.reference.value = reference


def test_lists_kernel_objects_and_files(panel: KitPanel) -> None:
    assert list(panel.dataframe_boxes) == ["train"]
    assert list(panel.model_boxes) == ["clf"]
    assert list(panel.file_boxes) == ["README.md", "train.py"]
    assert not any(box.value for box in panel.file_boxes.values())
    assert set(panel.buttons) == {"Pack", "Push", "Pull", "Unpack", "Load"}
    for field in (
        panel.name,
        panel.version,
        panel.description,
        panel.authors,
        panel.license,
        panel.reference,
    ):
        assert isinstance(field, w.Text)


def test_kitfile_preview_is_live(panel: KitPanel) -> None:
    assert "datasets:" not in panel.kitfile_text
    panel.dataframe_boxes["train"].value = True
    assert "path: data/train.parquet" in panel.kitfile_text
    panel.model_boxes["clf"].value = True
    assert "name: clf" in panel.kitfile_text and "framework: scikit-learn" in panel.kitfile_text
    panel.file_boxes["train.py"].value = True
    assert "- path: train.py" in panel.kitfile_text
    panel.description.value = "Predicts churn"
    panel.authors.value = "Ana, Bo"
    panel.license.value = "Apache-2.0"
    assert "description: Predicts churn" in panel.kitfile_text
    package = yaml.safe_load(panel.kitfile_text)["package"]
    assert package["authors"] == ["Ana", "Bo"] and package["license"] == "Apache-2.0"
    assert "data/train.parquet" in panel.kitfile_view.value  # the editable text shows the same Kitfile
    panel.dataframe_boxes["train"].value = False
    assert (
        "data/train.parquet" not in panel.kitfile_text
        and "data/train.parquet" not in panel.kitfile_view.value
    )


def test_pack_push_pull_load_with_clicks(
    panel: KitPanel, namespace: dict[str, object], registry: RegistryServer, repo_name: str, kitops_home: Path
) -> None:
    ref = f"{registry.registry}/{repo_name}:v1"
    _pick(panel, ref)

    panel.buttons["Pack"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert panel.result.text.startswith(f"Packed {ref} sha256:")
    assert panel.kitfile_text.startswith("# Packed") and "version: " in panel.kitfile_text
    packed = api.Kit().get(ref)
    assert [d.path for d in packed.kitfile.datasets] == ["data/train.parquet"]
    assert [d.path for d in packed.kitfile.docs] == ["README.md"]
    assert not [p for p in panel.directory.iterdir() if p.name.startswith(".kitops-panel-")]

    panel.buttons["Push"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert panel.result.text.startswith(f"Pushed {ref} {packed.digest[:15]}")
    assert panel.progress_box.children == ()  # the bar goes away with its operation

    api.Kit().remove(ref)
    panel.buttons["Pull"].click()
    panel.wait()
    assert panel.result.ok and panel.result.text.startswith(f"Pulled {ref} {packed.digest[:15]}")
    assert api.Kit().get(ref).digest == packed.digest

    panel.load_variable.value = "train_back"
    panel.buttons["Load"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert panel.result.text.startswith(f"Loaded the dataset of {ref} into train_back (50 rows × 3 columns")
    pd.testing.assert_frame_equal(namespace["train_back"], namespace["train"])  # type: ignore[arg-type]
    assert "train_back" in panel.dataframe_boxes  # the new variable is offered at once

    panel.unpack_dir.value = "out"
    panel.buttons["Unpack"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert (panel.directory / "out" / "README.md").read_text() == "# Churn model\n"
    assert "out" in panel.file_boxes
    logged = "".join(o["text"] for o in panel.log.outputs)
    for verb in ("Packed", "Pushed", "Pulled", "Loaded", "Unpacked"):
        assert f"{verb} " in logged


def test_failing_operation_shows_the_kit_error_message(panel: KitPanel, registry: RegistryServer) -> None:
    ref = f"{registry.registry}/no/such-model:v1"
    with pytest.raises(KitError) as expected:
        api.Kit().pull(ref)
    panel.reference.value = ref
    panel.buttons["Pull"].click()
    panel.wait()
    assert not panel.result.ok
    assert panel.result.text == f"Pull failed: {expected.value}"
    assert "not found" in panel.result.text
    assert panel.log.outputs[-1] == {
        "output_type": "stream",
        "name": "stderr",
        "text": panel.result.text + "\n",
    }
    assert not panel.buttons["Pull"].disabled

    panel.load_variable.value = "not valid"
    panel.buttons["Load"].click()
    panel.wait()
    assert (
        panel.result.text
        == "Load failed: 'not valid' is not a valid Python variable name; use letters, digits and _"
    )
    panel.reference.value = ""
    panel.buttons["Push"].click()
    panel.wait()
    assert panel.result.text == "Push failed: enter the reference to push first"


def test_unexpected_errors_reach_the_panel_with_a_traceback(
    panel: KitPanel, registry: RegistryServer
) -> None:
    class Broken(api.Kit):
        def push(self, *args: object, **kwargs: object) -> api.PushResult:
            raise ZeroDivisionError("bug in a callback")

    panel.ops._kit = Broken()
    panel.reference.value = f"{registry.registry}/x/y:v1"
    panel.buttons["Push"].click()
    panel.wait()
    assert panel.result.text == (
        "Push failed: unexpected ZeroDivisionError: bug in a callback (traceback in the log below)"
    )
    assert any("Traceback" in o["text"] and "ZeroDivisionError" in o["text"] for o in panel.log.outputs)


def test_observer_errors_are_shown_not_lost(panel: KitPanel, namespace: dict[str, object]) -> None:
    del namespace["train"]
    panel.dataframe_boxes["train"].value = True
    assert panel.kitfile_text.startswith("# Cannot build a Kitfile yet: the DataFrame 'train' is no longer")
    panel.refresh_button.click()
    assert "train" not in panel.dataframe_boxes


def test_work_runs_off_the_main_thread_with_one_bar_per_operation(
    panel: KitPanel, registry: RegistryServer
) -> None:
    release = threading.Event()
    seen: list[tuple[str, float, str]] = []

    class Slow(api.Kit):
        def push(self, source: str, destination: str | None = None, *, progress=None):  # type: ignore[no-untyped-def]
            seen.append(("push", 0.0, threading.current_thread().name))
            progress(512, 2048)
            assert release.wait(30)
            raise api.NotFound(f"{source} is not in the local store")

        def pull(self, reference: str, *, progress=None):  # type: ignore[no-untyped-def]
            seen.append(("pull", 0.0, threading.current_thread().name))
            assert release.wait(30)
            raise api.NotFound(f"{reference} is not in the registry")

    panel.ops._kit = Slow()
    panel.reference.value = f"{registry.registry}/slow/model:v1"
    panel.buttons["Push"].click()
    panel.buttons["Pull"].click()
    assert panel.buttons["Push"].disabled and panel.buttons["Pull"].disabled
    assert len(panel.progress_box.children) == 2
    bars = [row.children[0] for row in panel.progress_box.children]
    assert [bar.description for bar in bars] == ["Push", "Pull"]
    for _ in range(100):
        if bars[0].value == 0.25:
            break
        threading.Event().wait(0.02)
    assert bars[0].value == 0.25
    assert panel.progress_box.children[0].children[1].value == "512 B of 2.0 KiB"
    assert all(name.startswith("kitops-panel-") for _, _, name in seen)
    assert threading.current_thread() is threading.main_thread()
    release.set()
    panel.wait()
    assert panel.progress_box.children == ()
    assert not panel.buttons["Push"].disabled


def test_login_clears_the_password_and_keeps_it_out_of_widget_state(
    panel: KitPanel, tls_registry: RegistryServer, kitops_home: Path
) -> None:
    kit = api.Kit(network=api.NetworkOptions(ca_bundle=tls_registry.ca_file))
    panel.ops._kit = kit
    secret = tls_registry.password
    panel.reference.value = f"{tls_registry.registry}/team/model:v1"
    panel.username.value = tls_registry.username
    panel.password.value = secret
    panel.login_button.click()
    assert panel.password.value == ""  # cleared before the login even started
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert panel.result.text.startswith(
        f"Login succeeded for {tls_registry.username} at {tls_registry.registry}"
    )
    stored = json.loads((kitops_home / "credentials.json").read_text())["auths"][tls_registry.registry][
        "auth"
    ]
    assert base64.b64decode(stored).decode() == f"{tls_registry.username}:{secret}"  # api.login got it
    saved = json.dumps(embed_data(views=[panel.widget]))  # what a notebook saves as widget state
    assert secret not in saved and panel.password.model_id in saved
    assert secret not in json.dumps(w.Widget.get_manager_state())
    assert secret not in repr(panel.state())

    panel.password.value = "wrong-" + secret
    panel.login_button.click()
    assert panel.password.value == ""
    panel.wait()
    assert not panel.result.ok and "login to" in panel.result.text and secret not in panel.result.text


def test_text_fallback_where_widgets_cannot_render(
    namespace: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    panel = show_panel(namespace, directory=tmp_path)  # no widget frontend here: display() prints text
    assert capsys.readouterr().out.strip() == FALLBACK_TEXT
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == FALLBACK_TEXT and "%kit" in FALLBACK_TEXT
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert repr(panel) == FALLBACK_TEXT
    panel.widget.close()
    assert panel._repr_mimebundle_() == {"text/plain": FALLBACK_TEXT}


def test_default_namespace_is_the_ipython_user_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: RegistryServer, repo_name: str
) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("# notes\n")
    shell.user_ns["frame_for_panel"] = pd.DataFrame({"a": [1, 2, 3]})
    try:
        panel = show_panel()
        assert panel.namespace is shell.user_ns and panel.directory == tmp_path
        assert "frame_for_panel" in panel.dataframe_boxes and "notes.md" in panel.file_boxes
        panel.dataframe_boxes["frame_for_panel"].value = True
        panel.requirements.value = False
        panel.reference.value = f"{registry.registry}/{repo_name}:v1"
        for button in ("Pack", "Push"):
            panel.buttons[button].click()
            panel.wait()
            assert panel.result.ok, panel.result.text
        panel.load_variable.value = "frame_back"
        panel.buttons["Load"].click()
        panel.wait()
        pd.testing.assert_frame_equal(shell.user_ns["frame_back"], shell.user_ns["frame_for_panel"])
    finally:
        shell.user_ns.pop("frame_for_panel", None)
        shell.user_ns.pop("frame_back", None)


def test_fields_hold_real_defaults_or_nothing(panel: KitPanel) -> None:
    # Name is the folder's name as a value when no notebook is found (it is what gets packed); nothing
    # else pretends to be set
    assert panel.name.value == "work" and panel.name.placeholder == ""
    assert (
        not panel.notebook.value and panel.notebook.disabled and "notebook=PATH" in panel.notebook.description
    )
    assert (panel.version.value, panel.version.placeholder) == ("", "")
    assert panel.license.value == "" and panel.license.placeholder == "SPDX id"
    assert panel.load_variable.value == "df" and panel.load_variable.placeholder == ""
    assert panel.reference.placeholder == "registry/repository:tag"


def test_nothing_ticked_is_refused_and_nothing_is_packed(panel: KitPanel, kitops_home: Path) -> None:
    panel.reference.value = "panel/empty:v1"
    panel.buttons["Pack"].click()
    panel.wait()
    assert not panel.result.ok
    assert "nothing is ticked" in panel.result.text
    assert api.Kit().list_modelkits() == []


def test_push_to_another_reference_and_unpack_with_overwrite(
    panel: KitPanel, registry: RegistryServer, repo_name: str, kitops_home: Path
) -> None:
    ref, elsewhere = f"{registry.registry}/{repo_name}:v1", f"{registry.registry}/{repo_name}-copy:v2"
    _pick(panel, ref)
    panel.buttons["Pack"].click()
    panel.wait()
    panel.push_to.value = elsewhere
    panel.buttons["Push"].click()
    panel.wait()
    assert panel.result.ok and panel.result.text.startswith(f"Pushed {elsewhere} "), panel.result.text
    assert "blobs uploaded" in panel.result.text and "already in the registry" in panel.result.text
    assert [info.tags for info in api.Kit().list_modelkits(f"{registry.registry}/{repo_name}-copy")] == [
        ["v2"]
    ]
    panel.unpack_dir.value = "out"
    panel.buttons["Unpack"].click()
    panel.wait()
    (panel.directory / "out" / "README.md").write_text("edited\n")
    panel.buttons["Unpack"].click()
    panel.wait()
    assert not panel.result.ok and "already exists" in panel.result.text
    assert (
        "tick “Overwrite existing files”" in panel.result.text and "overwrite=True" not in panel.result.text
    )
    panel.overwrite.value = True
    panel.buttons["Unpack"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert (panel.directory / "out" / "README.md").read_text() == "# Churn model\n"


def test_cancel_stops_an_operation_and_a_new_one_clears_the_old_result(panel: KitPanel) -> None:
    panel.runner.result.show("Pull failed: an old error", ok=False)
    reached, stop_seen = threading.Event(), threading.Event()

    def work(row: object) -> str:
        reached.set()
        assert stop_seen.wait(10)
        row(1, 10)  # type: ignore[operator]  # the next progress report after Cancel raises
        return "finished anyway"

    panel.runner.start("Push", work, str)
    assert panel.result.text == ""  # the previous outcome is gone while the new one runs
    assert reached.wait(10)
    [row] = panel.progress_box.children
    cancel = row.children[-1]
    assert isinstance(cancel, w.Button) and cancel.description == "Cancel"
    cancel.click()
    stop_seen.set()
    panel.wait()
    assert (panel.result.text, panel.result.ok) == ("Push cancelled", False)
    assert panel.progress_box.children == ()


def test_pack_stops_on_secrets_and_offers_pack_anyway(panel: KitPanel) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    (panel.directory / "settings.py").write_text(f'TOKEN = "{token}"\n')
    panel.refresh()
    _pick(panel, "team/leaky:v1")
    panel.file_boxes["settings.py"].value = True
    assert panel.pack_anyway.layout.display == "none"
    panel.buttons["Pack"].click()
    panel.wait()
    assert not panel.result.ok and "pack stopped" in panel.result.text
    assert "settings.py:1: github-token: ghp_…" in panel.result.text and token not in panel.result.text
    assert panel.pack_anyway.layout.display == ""  # the confirm step, after the findings are listed
    with pytest.raises(KitError):
        api.Kit().get("team/leaky:v1")
    panel.pack_anyway.click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert api.Kit().get("team/leaky:v1").digest
    assert panel.pack_anyway.layout.display == "none"


def test_preview_is_the_kitfile_the_magic_builds_for_the_same_choices(
    namespace: dict[str, object], tmp_path: Path, kitops_home: Path
) -> None:
    """Same defaults as ``%kit pack --from-kernel``: the notebook is included and names the package."""
    from kitops_jupyter.adapter_helpers.capture.kitfile_builder import build_kitfile_from_kernel

    work = tmp_path / "work"
    work.mkdir()
    notebook = work / "churn-study.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "source": "print(1)",
                        "metadata": {},
                        "execution_count": 3,
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
                    }
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    namespace["__session__"] = str(notebook)  # where ipykernel puts the notebook's path
    panel = KitPanel(namespace, directory=work)
    assert panel.name.value == "churn-study" and panel.notebook.value  # not "work", the folder
    panel.dataframe_boxes["train"].value = True
    panel.model_boxes["clf"].value = True
    panel.requirements.value = False
    built = build_kitfile_from_kernel(  # what the magic passes for --dataset train --model clf
        namespace,
        tmp_path / "magic",
        datasets={"train": "train"},
        models=["clf"],
        notebook=notebook,
        include_requirements=False,
        package={},
    )
    preview = panel.kitfile_text.split("\n", 1)[1]  # after the "# Preview" comment line
    assert preview == built.kitfile_text
    assert "name: churn-study" in preview and "path: notebooks/churn-study.ipynb" in preview
    panel.version.value = "2.0.0"
    built = build_kitfile_from_kernel(
        namespace,
        tmp_path / "magic",
        datasets={"train": "train"},
        models=["clf"],
        notebook=notebook,
        include_requirements=False,
        package={"version": "2.0.0"},
    )
    assert panel.kitfile_text.split("\n", 1)[1] == built.kitfile_text

    panel.reference.value = "panel/with-notebook:v1"
    panel.buttons["Pack"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    packed = api.Kit().get("panel/with-notebook:v1").kitfile
    assert packed.package.name == "churn-study"
    assert [c.path for c in packed.code] == ["notebooks/churn-study.ipynb"]
    panel.notebook.value = False  # unticked: left out, as with --no-notebook
    assert "notebooks/" not in panel.kitfile_text


def test_an_edited_kitfile_is_what_gets_packed(panel: KitPanel, kitops_home: Path) -> None:
    _pick(panel, "panel/edited:v1")
    generated = panel.kitfile_view.value
    assert not panel.kitfile_edited and panel.kitfile_reset.disabled
    panel.kitfile_view.value = generated.replace("  name: churn\n", "  name: churn\n  description: by hand\n")
    assert panel.kitfile_edited and not panel.kitfile_reset.disabled
    panel.license.value = "MIT"  # a change of the picks does not overwrite the hand edit
    assert "description: by hand" in panel.kitfile_view.value
    panel.buttons["Pack"].click()
    panel.wait()
    assert panel.result.ok, panel.result.text
    assert api.Kit().get("panel/edited:v1").kitfile.package.description == "by hand"
    assert panel.kitfile_view.value.startswith("# Packed") and not panel.kitfile_edited
    panel.kitfile_view.value = "edited again"
    panel.kitfile_reset.click()
    assert panel.kitfile_view.value == panel.kitfile_text and not panel.kitfile_edited


PANEL_AND_MAGIC = [
    "import numpy as np, pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
    "train = pd.DataFrame({'x': np.arange(20.0), 'y': np.arange(20) % 2})\n"
    "clf = LogisticRegression().fit(train[['x']], train['y'])",
    "%load_ext kitops_jupyter",
    "%kit init --from-kernel --dataset train --model clf --no-requirements",
    "import json\nfrom kitops_jupyter.panel import KitPanel\np = KitPanel(globals())\n"
    "p.dataframe_boxes['train'].value = p.model_boxes['clf'].value = True\np.requirements.value = False\n"
    "print(json.dumps({'name': p.name.value, 'preview': p.kitfile_text.split('\\n', 1)[1],\n"
    "                  'magic': open('modelkit/Kitfile').read()}))",
]


@pytest.mark.timeout(300)
def test_real_kernel_panel_and_magic_give_one_kitfile(tmp_path: Path) -> None:
    """In a kernel started as jupyter_server starts it, the panel finds the notebook the magic finds."""
    from tests.test_capture_notebook import make_notebook, run_notebook

    path = make_notebook(tmp_path / "churn.ipynb", PANEL_AND_MAGIC)
    nb = run_notebook(path, env={"JPY_SESSION_NAME": str(path)})
    seen = json.loads(nb.cells[4].outputs[0]["text"])
    assert seen["name"] == "churn"
    assert seen["preview"] == seen["magic"]
    magic = yaml.safe_load(seen["magic"])
    assert magic["package"]["name"] == "churn"
    assert [c["path"] for c in magic["code"]] == ["notebooks/churn.ipynb"]
