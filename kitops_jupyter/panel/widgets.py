"""The KitOps panel, composed of standard ipywidgets only (no custom frontend code to build or load).

Pick DataFrames, models and working-directory entries; fill in the package fields and a target
reference; the Kitfile preview follows every change. Pack, Push, Pull, Unpack and Load run on worker
threads (see :mod:`.actions`); registry login uses a password field that is emptied the moment the
button is pressed, so the secret never stays in widget state that a notebook could save.
"""

from __future__ import annotations

import html
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import ipywidgets as w

from .. import api
from ..adapter_helpers.capture.notebook import kernel_notebook
from . import state as st
from .actions import ResultLine, Runner
from .operations import Operations, Outcome

__all__ = ["FALLBACK_TEXT", "KitPanel"]

FALLBACK_TEXT = (
    "KitOps panel: this frontend cannot display Jupyter widgets. Use the %kit magics instead: "
    "%kit pack, %kit push, %kit pull, %kit unpack and %kit load do what the panel's buttons do "
    "(run %kit for the list of commands)."
)
_FIELD_STYLE = {"description_width": "110px"}


def _text(description: str, placeholder: str = "", value: str = "", width: str = "98%") -> w.Text:
    layout = w.Layout(width=width)
    return w.Text(
        value=value, description=description, placeholder=placeholder, layout=layout, style=_FIELD_STYLE
    )


def _header(text: str) -> w.HTML:
    return w.HTML(f"<b>{html.escape(text)}</b>")


class KitPanel:
    """The panel; ``widget`` is its root ``VBox``. Build it with :func:`kitops_jupyter.panel.show_panel`."""

    def __init__(
        self,
        namespace: MutableMapping[str, Any],
        kit: api.Kit | None = None,
        directory: Path | str | None = None,
        notebook: Path | str | None = None,
    ) -> None:
        self.namespace = namespace
        self.directory = Path(directory) if directory is not None else Path.cwd()
        # the running notebook, found as the %kit magics find it, so both pack the same things
        self.notebook_path = Path(notebook) if notebook is not None else kernel_notebook(namespace)
        self.ops = Operations(namespace, self.directory, kit)
        self.dataframe_boxes: dict[str, w.Checkbox] = {}
        self.model_boxes: dict[str, w.Checkbox] = {}
        self.file_boxes: dict[str, w.Checkbox] = {}
        self._lock = threading.RLock()  # refresh() also runs on worker threads (after Load/Unpack)
        self._build_fields()
        self._build_actions()
        self._build_output()
        self.widget = self._layout()
        self.refresh()

    # -- construction --------------------------------------------------------------------------

    def _build_fields(self) -> None:
        self.dataframe_list = w.VBox(layout=w.Layout(max_height="180px", overflow="auto"))
        self.model_list = w.VBox(layout=w.Layout(max_height="180px", overflow="auto"))
        self.file_list = w.VBox(layout=w.Layout(max_height="180px", overflow="auto"))
        self.requirements = w.Checkbox(
            value=True, description="requirements.txt (imported packages)", indent=False
        )
        self.notebook = w.Checkbox(
            value=self.notebook_path is not None,
            disabled=self.notebook_path is None,
            indent=False,
            description=(
                f"this notebook: {self.notebook_path.name}"
                if self.notebook_path
                else "this notebook (not found: show_panel(notebook=PATH))"
            ),
            tooltip="Packed under notebooks/ with its outputs stripped, as %kit pack --from-kernel does",
        )
        # real values or empty fields: a placeholder that looks like a value but is not used misleads;
        # the name defaults as the magic's does (the notebook's name, else the folder's)
        self.name = _text("Name", value=st.default_name(self.notebook_path, self.directory))
        self.version = _text("Version")
        self.description = _text("Description")
        self.authors = _text("Authors", "comma-separated")
        self.license = _text("License", "SPDX id")
        self.reference = _text("Reference", "registry/repository:tag")
        # editable: what is in it when Pack is pressed is what gets packed (after a change by hand)
        self.kitfile_view = w.Textarea(layout=w.Layout(width="100%", height="320px"))
        self.kitfile_view.add_class("kitops-kitfile")
        self.kitfile_view.observe(self._kitfile_typed, names="value")
        self.kitfile_reset = w.Button(
            description="Use generated",
            icon="undo",
            disabled=True,
            tooltip="Drop the hand edits and show the Kitfile built from the picks again",
        )
        self.kitfile_reset.on_click(lambda _b: self.runner.guard("Kitfile", self.reset_kitfile))
        self.kitfile_text = ""
        self.kitfile_edited = False
        self._shown = ""
        for field in (
            self.notebook,
            self.requirements,
            self.name,
            self.version,
            self.description,
            self.authors,
            self.license,
        ):
            field.observe(self._changed, names="value")

    def _build_actions(self) -> None:
        names = ("Pack", "Push", "Pull", "Unpack", "Load")
        icons = ("archive", "upload", "download", "folder-open", "table")
        self.buttons = {
            n: w.Button(description=n, icon=i, button_style="primary")
            for n, i in zip(names, icons, strict=True)
        }
        self.pack_anyway = w.Button(
            description="Pack anyway",
            icon="exclamation-triangle",
            button_style="danger",
            tooltip="Pack although the secret scan found what is listed above",
            layout=w.Layout(display="none"),
        )
        self.pack_anyway.on_click(lambda _b: self.runner.guard("Pack", lambda: self.pack(allow_secrets=True)))
        self.refresh_button = w.Button(
            description="Refresh", icon="refresh", tooltip="Rescan variables and files"
        )
        self.push_to = _text("Push to", "blank: the reference itself")
        self.unpack_dir = _text("Unpack into", value="unpacked", width="28%")
        self.overwrite = w.Checkbox(value=False, description="Overwrite existing files", indent=False)
        self.load_dataset = _text("Dataset", "blank: the only dataset", width="28%")
        self.load_variable = _text("Into variable", value="df", width="28%")
        self.registry = _text("Registry", "blank: the reference's registry")
        self.username = _text("Username")
        self.password = w.Password(
            description="Password",
            placeholder="password or token",
            layout=w.Layout(width="98%"),
            style=_FIELD_STYLE,
        )
        self.login_button = w.Button(description="Log in", icon="key")
        handlers = {
            "Pack": self.pack,
            "Push": self.push,
            "Pull": self.pull,
            "Unpack": self.unpack,
            "Load": self.load,
        }
        for name, handler in handlers.items():
            self.buttons[name].on_click(lambda _b, h=handler, n=name: self.runner.guard(n, h))
        self.refresh_button.on_click(lambda _b: self.runner.guard("Refresh", self.refresh))
        self.login_button.on_click(lambda _b: self.runner.guard("Login", self.login))

    def _build_output(self) -> None:
        self.progress_box = w.VBox()
        self.result = ResultLine()
        # column-reverse keeps the scroll position at the newest line as lines are appended
        self.log = w.Output(layout=w.Layout(max_height="160px", overflow="auto", display="flex"))
        self.log.add_class("kitops-log")
        self.runner = Runner(self.progress_box, self.result, self.log)

    def _layout(self) -> w.VBox:
        picks = w.HBox(
            [
                self._column("DataFrames", self.dataframe_list),
                self._column("Models", self.model_list),
                self._column("Working-directory files", self.file_list),
            ],
        )
        fields = w.VBox(
            [
                _header("Package"),
                self.name,
                self.version,
                self.description,
                self.authors,
                self.license,
                self.reference,
                self.notebook,
                self.requirements,
            ],
            layout=w.Layout(width="45%"),
        )
        kitfile = w.VBox(
            [w.HBox([_header("Kitfile (editable)"), self.kitfile_reset]), self.kitfile_view],
            layout=w.Layout(width="55%"),
        )
        buttons = w.HBox([*self.buttons.values(), self.pack_anyway, self.refresh_button])
        options = w.VBox(
            [
                self.push_to,
                w.HBox([self.unpack_dir, self.overwrite, self.load_dataset, self.load_variable]),
            ]
        )
        login = w.VBox(
            [_header("Registry login"), self.registry, self.username, self.password, self.login_button]
        )
        extras = w.Accordion(children=[self.log], titles=("Log",), selected_index=None)
        title = w.HTML(
            "<h3 style='margin:0'>KitOps ModelKit</h3>"
            "<style>.kitops-log{flex-direction:column-reverse}"
            ".kitops-kitfile textarea{font-family:var(--jp-code-font-family);font-size:12px;white-space:pre}"
            ".kitops-panel .jupyter-widget-Collapse-header,.kitops-panel .lm-AccordionPanel-title,"
            ".kitops-panel .p-Collapse-header{color:var(--jp-ui-font-color1)}</style>"
        )
        root = w.VBox(
            [
                title,
                picks,
                w.HBox([fields, kitfile]),
                buttons,
                options,
                self.progress_box,
                self.result.widget,
                login,
                extras,
            ],
            layout=w.Layout(border="1px solid var(--jp-border-color2, #ccc)", padding="8px"),
        )
        root.add_class("kitops-panel")
        return root

    @staticmethod
    def _column(title: str, body: w.VBox) -> w.VBox:
        return w.VBox([_header(title), body], layout=w.Layout(width="33%"))

    # -- state and preview -----------------------------------------------------------------------

    def state(self) -> st.PanelState:
        """A snapshot of everything picked and typed (never the password)."""
        with self._lock:
            boxes = (_checked(self.dataframe_boxes), _checked(self.model_boxes), _checked(self.file_boxes))
        return st.PanelState(
            dataframes=boxes[0],
            models=boxes[1],
            files=boxes[2],
            requirements=self.requirements.value,
            notebook=str(self.notebook_path) if self.notebook_path and self.notebook.value else "",
            name=self.name.value,
            version=self.version.value,
            description=self.description.value,
            authors=self.authors.value,
            license=self.license.value,
            reference=self.reference.value.strip(),
        )

    def refresh(self) -> None:
        """Rescan the kernel's variables and the working directory, keeping what is still there ticked."""
        found = st.scan(self.namespace, self.directory)
        with self._lock:
            self.dataframe_boxes = self._boxes(self.dataframe_list, self.dataframe_boxes, found.dataframes)
            self.model_boxes = self._boxes(self.model_list, self.model_boxes, found.models)
            self.file_boxes = self._boxes(self.file_list, self.file_boxes, found.files)
            if found.truncated:
                more = w.HTML(f"<i>only the first {st.MAX_FILES} entries are listed</i>")
                self.file_list.children = (*self.file_list.children, more)
        self.update_preview()

    def _boxes(
        self, holder: w.VBox, old: dict[str, w.Checkbox], choices: list[st.Choice]
    ) -> dict[str, w.Checkbox]:
        boxes = {}
        for choice in choices:
            ticked = old[choice.key].value if choice.key in old else False
            box = w.Checkbox(value=ticked, description=choice.label, indent=False)
            box.observe(self._changed, names="value")
            boxes[choice.key] = box
        holder.children = tuple(boxes.values()) or (w.HTML("<i>none</i>"),)
        return boxes

    def _changed(self, _change: dict[str, Any]) -> None:
        self.runner.guard("Preview", self.update_preview)

    def update_preview(self) -> None:
        self.show_kitfile(st.preview_text(self.state(), self.namespace, self.directory))

    def show_kitfile(self, text: str, *, replace_edits: bool = False) -> None:
        """Show the generated Kitfile, unless the user has edited the text (then keep their version)."""
        self.kitfile_text = text
        if replace_edits:
            self.kitfile_edited = False
            self.kitfile_reset.disabled = True
        if not self.kitfile_edited:
            self._shown = text
            self.kitfile_view.value = text

    def _kitfile_typed(self, change: dict[str, Any]) -> None:
        if change["new"] != self._shown:
            self.kitfile_edited = True
            self.kitfile_reset.disabled = False

    def reset_kitfile(self) -> None:
        self.show_kitfile(self.kitfile_text, replace_edits=True)

    # -- buttons -----------------------------------------------------------------------------------

    def pack(self, allow_secrets: bool = False) -> None:
        """Pack; when the secret scan stops it, the result line lists the findings and a "Pack anyway"
        button appears (the confirm step: it packs the same selection with ``allow_secrets``)."""
        snapshot = self.state()
        self.pack_anyway.layout.display = "none"
        edited = self.kitfile_view.value if self.kitfile_edited else None

        def work(row: Any) -> Outcome:
            try:
                return self.ops.pack(snapshot, row, allow_secrets=allow_secrets, kitfile_text=edited)
            except api.SecretsFound:
                self.pack_anyway.layout.display = ""
                raise

        self.runner.start("Pack", work, self._packed, self.buttons["Pack"])

    def _packed(self, outcome: Outcome) -> str:
        if outcome.kitfile_text is not None:
            packed = f"# Packed (this is the Kitfile in the ModelKit)\n{outcome.kitfile_text}"
            self.show_kitfile(packed, replace_edits=True)
        for warning in outcome.warnings:
            self.log.append_stdout(f"warning: {warning}\n")
        if outcome.warnings:
            count = len(outcome.warnings)
            return f"{outcome.summary} ({count} warning{'s' if count > 1 else ''} in the log)"
        return outcome.summary

    def push(self) -> None:
        ref, destination = self.reference.value, self.push_to.value
        work = lambda row: self.ops.push(ref, row, destination)  # noqa: E731
        self.runner.start("Push", work, _summary, self.buttons["Push"])

    def pull(self) -> None:
        ref = self.reference.value
        self.runner.start("Pull", lambda row: self.ops.pull(ref, row), _summary, self.buttons["Pull"])

    def unpack(self) -> None:
        ref, target, overwrite = self.reference.value, self.unpack_dir.value, self.overwrite.value
        work = lambda row: self.ops.unpack(ref, target, row, overwrite=overwrite)  # noqa: E731
        self.runner.start("Unpack", work, self._after_files, self.buttons["Unpack"])

    def _after_files(self, outcome: Outcome) -> str:
        self.refresh()
        return outcome.summary

    def load(self) -> None:
        ref, dataset, variable = self.reference.value, self.load_dataset.value, self.load_variable.value
        work = lambda row: self.ops.load(ref, dataset, variable, row)  # noqa: E731
        self.runner.start("Load", work, self._after_files, self.buttons["Load"])

    def login(self) -> None:
        """Take the secret out of the Password widget at once, then log in on a worker thread."""
        secret = self.password.value
        self.password.value = ""
        registry, ref, user = self.registry.value, self.reference.value, self.username.value
        work = lambda _row: self.ops.login(registry, ref, user, secret)  # noqa: E731
        self.runner.start("Login", work, _summary, self.login_button)

    # -- display -------------------------------------------------------------------------------------

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for every running operation (tests and scripts)."""
        self.runner.wait(timeout)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle_of = getattr(self.widget, "_repr_mimebundle_", None)
        bundle = dict(bundle_of(**kwargs) or {}) if callable(bundle_of) else {}
        bundle["text/plain"] = FALLBACK_TEXT
        return bundle

    def __repr__(self) -> str:
        return FALLBACK_TEXT


def _checked(boxes: dict[str, w.Checkbox]) -> list[str]:
    return [key for key, box in boxes.items() if box.value]


def _summary(outcome: Outcome) -> str:
    return outcome.summary
