"""What ``%kit`` verbs return: objects with a plain-text repr and an HTML repr.

``mk = %kit pack …`` keeps the object; left as the cell's last line it renders as HTML in a notebook
and as text in a terminal or a log. Text reprs of ``list``, ``inspect``, ``info`` and ``diff`` are
exactly what ``kit`` prints, so they copy between terminal and notebook. ModelKits are shown with
their layers (type, path, size, short digest), their Kitfile, and their reference pinned by digest
(``registry/repo@sha256:…``), the form to copy into anything that must not change under you.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import api
from ..api import (
    Kitfile,
    Manifest,
    ModelKitInfo,
    Reference,
    dump_kitfile,
    format_list,
    format_size,
    push_detail,
)

if TYPE_CHECKING:  # loaded with the verbs that make them: ``%load_ext`` stays light (issue 10)
    from ..api import DataDiff, LayerRow, PackResult, PushResult, Referrers

__all__ = [
    "DiffResult",
    "KitfileDraft",
    "KitfileResult",
    "ModelKitList",
    "ModelKitResult",
    "PushedResult",
    "pinned",
    "short_digest",
]

_STYLE = "font-family: var(--jp-code-font-family, monospace); user-select: all"


def short_digest(digest: str) -> str:
    """``sha256:0a1b2c3d4e5f`` (algorithm and 12 hex digits, like ``docker images``)."""
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:12]}" if hexpart else digest


def pinned(reference: Reference, digest: str) -> str:
    """The reference pinned by digest, as kit displays it (``localhost/`` dropped)."""
    return Reference(reference.registry, reference.repository, digest=digest).display()


# -- rendering helpers ---------------------------------------------------------------------------


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return [
        indent + "   ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _code(text: str) -> str:
    return f"<code style='{_STYLE}'>{html.escape(text)}</code>"


def _pre(text: str) -> str:
    return f"<pre style='margin:0'>{html.escape(text)}</pre>"


def _warnings_html(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return f"<div>Warnings:<ul>{items}</ul></div>"


class _Result:
    """Base: ``__repr__`` is the text form, ``_repr_html_`` the rich one."""

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        return _pre(self.text())

    def __repr__(self) -> str:
        return self.text().rstrip("\n")

    def _repr_html_(self) -> str:
        return f"<div class='kitops-result'>{self.html()}</div>"


# -- ModelKits -----------------------------------------------------------------------------------


@dataclass(repr=False)
class ModelKitResult(_Result):
    """A ModelKit that was packed, pulled, unpacked or inspected."""

    action: str
    reference: Reference
    digest: str
    manifest: Manifest
    kitfile: Kitfile | None
    references: list[Reference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # printed when they happened; kept for code
    kit_text: str | None = None  # exactly what kit prints for this verb, when it prints something
    referrers: Referrers | None = None  # remote inspect: signatures, attestations, SBOMs

    @classmethod
    def from_pack(cls, result: PackResult) -> ModelKitResult:
        refs = list(result.references)
        main = refs[0] if refs else Reference("localhost", "_")
        return cls(
            "Packed", main, result.digest, result.manifest, result.kitfile, refs, list(result.warnings)
        )

    @classmethod
    def from_info(cls, action: str, info: ModelKitInfo, kit_text: str | None = None) -> ModelKitResult:
        return cls(
            action,
            info.reference,
            info.digest,
            info.manifest,
            info.kitfile,
            [info.reference],
            [],
            kit_text,
            info.referrers,
        )

    @property
    def pinned(self) -> str:
        return pinned(self.reference, self.digest)

    @property
    def layers(self) -> list[LayerRow]:
        return api.layer_rows(self.manifest, self.kitfile)

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.manifest.layers)

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [(r.type, r.path, format_size(r.size), short_digest(r.digest)) for r in self.layers]

    def names(self) -> str:
        shown = [r.display() for r in self.references] or [self.reference.display()]
        return ", ".join(s for s in shown if s) or "(untagged)"

    def text(self) -> str:
        if self.kit_text is not None:
            return self.kit_text  # kit's output byte for byte (JSON for inspect); referrers are in the HTML
        lines = [f"{self.action} {self.names()}", f"  pinned: {self.pinned}"]
        lines += _text_table(("TYPE", "PATH", "SIZE", "DIGEST"), self._rows())
        lines.append(f"  {len(self.manifest.layers)} layers, {format_size(self.size)}")
        return "\n".join(lines) + "\n" + self._referrers_text()

    def _referrer_rows(self) -> list[tuple[str, str, str, str]]:
        items = self.referrers.items if self.referrers is not None else []
        return [(r.kind, r.artifact_type or r.media_type, short_digest(r.digest), r.found_by) for r in items]

    def _referrers_summary(self) -> str:
        found = self.referrers
        if found is None:
            return ""
        how = "referrers API" if found.api else "referrers tag schema (the registry has no referrers API)"
        return f"Referrers: {len(found.items)} (looked up through the {how})"

    def _referrers_text(self) -> str:
        if self.referrers is None:
            return ""
        lines = [
            self._referrers_summary(),
            *_text_table(("KIND", "ARTIFACT TYPE", "DIGEST", "FOUND BY"), self._referrer_rows()),
        ]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        kitfile = dump_kitfile(self.kitfile) if self.kitfile is not None else ""
        return (
            f"<div><strong>{html.escape(self.action)}</strong> {_code(self.names())}</div>"
            f"<div>pinned: {_code(self.pinned)}</div>"
            + _html_table(("type", "path", "size", "digest"), self._rows())
            + f"<div>{len(self.manifest.layers)} layers, {format_size(self.size)}</div>"
            + (f"<details><summary>Kitfile</summary>{_pre(kitfile)}</details>" if kitfile else "")
            + self._referrers_html()
        )

    def _referrers_html(self) -> str:
        if self.referrers is None:
            return ""
        table = _html_table(("kind", "artifact type", "digest", "found by"), self._referrer_rows())
        return f"<div>{html.escape(self._referrers_summary())}</div>" + (
            table if self.referrers.items else ""
        )


@dataclass(repr=False)
class PushedResult(_Result):
    """A push: where it went, pinned by digest, and how much was sent."""

    result: PushResult
    size: int

    @property
    def reference(self) -> Reference:
        return self.result.reference

    @property
    def digest(self) -> str:
        return self.result.digest

    @property
    def pinned(self) -> str:
        return pinned(self.result.reference, self.result.digest)

    def _detail(self) -> str:
        return push_detail(self.result)

    def text(self) -> str:
        tags = ", ".join(self.result.tags) or self.result.reference.tag
        return f"Pushed {self.reference} (tags: {tags})\n  pinned: {self.pinned}\n  {self._detail()}\n"

    def html(self) -> str:
        return (
            f"<div><strong>Pushed</strong> {_code(str(self.reference))}</div>"
            f"<div>pinned: {_code(self.pinned)}</div><div>{html.escape(self._detail())}</div>"
        )


@dataclass(repr=False)
class ModelKitList(_Result):
    """``kit list``: the table (or JSON with ``--format json``)."""

    infos: list[api.ModelInfo]
    format: str = "table"

    def __len__(self) -> int:
        return len(self.infos)

    def __iter__(self) -> Any:
        return iter(self.infos)

    def text(self) -> str:
        return format_list(self.infos, self.format)

    def html(self) -> str:
        if self.format not in ("", "table"):
            return _pre(self.text())
        rows = [row for info in self.infos for row in info.rows()]
        if not rows:
            return "<div>No ModelKits.</div>"
        header = ("repository", "tag", "maintainer", "name", "size", "digest")
        return _html_table(header, [(*r[:5], short_digest(r[5])) for r in rows])


# -- Kitfiles and diffs --------------------------------------------------------------------------


@dataclass(repr=False)
class KitfileResult(_Result):
    """A Kitfile (``kit info``, or a ``%%kitfile`` cell that was saved)."""

    kitfile_text: str
    title: str = ""
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        notes = "".join(f"# warning: {w}\n" for w in self.warnings)
        return (f"# {self.title}\n" if self.title else "") + notes + self.kitfile_text

    def html(self) -> str:
        title = f"<div>{html.escape(self.title)}</div>" if self.title else ""
        return title + _pre(self.kitfile_text) + _warnings_html(self.warnings)


@dataclass(repr=False)
class KitfileDraft(_Result):
    """A Kitfile built from the kernel, written with its files and waiting for review."""

    directory: str
    kitfile_text: str
    files: list[tuple[str, int]]
    warnings: list[str]
    next_step: str

    def text(self) -> str:
        lines = [f"Kitfile from the kernel, written to {self.directory}/Kitfile:", ""]
        lines += self.kitfile_text.rstrip("\n").splitlines()
        lines += ["", "Files:"] + [f"  {path}  {format_size(size)}" for path, size in self.files]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join([*lines, "", self.next_step]) + "\n"

    def html(self) -> str:
        files = _html_table(("file", "size"), [(p, format_size(s)) for p, s in self.files])
        return (
            f"<div><strong>Kitfile from the kernel</strong>, written to {_code(self.directory + '/Kitfile')}</div>"
            + _pre(self.kitfile_text)
            + f"<details><summary>{len(self.files)} files</summary>{files}</details>"
            + _warnings_html(self.warnings)
            + f"<div>{html.escape(self.next_step)}</div>"
        )


@dataclass(repr=False)
class DiffResult(_Result):
    """``kit diff A B``: kit's text, and a table of shared and unique layers."""

    diff: api.ManifestDiff
    first: str
    second: str

    def text(self) -> str:
        return api.diff_text(self.diff, self.first, self.second)

    def html(self) -> str:
        if self.diff.identical:
            return "<div>ModelKits are identical</div>"
        groups = (("both", self.diff.shared), (self.first, self.diff.only_a), (self.second, self.diff.only_b))
        rows = [
            (where, api.layer_row(layer).type, format_size(layer.size), short_digest(layer.digest))
            for where, layers in groups
            for layer in layers
        ]
        config = "identical" if self.diff.same_config else "different"
        notes = "identical" if self.diff.annotations_match else "different"
        return (
            f"<div>{_code(self.first)} vs {_code(self.second)}: configs {config}, annotations {notes}</div>"
            + _html_table(("in", "type", "size", "digest"), rows)
        )


@dataclass(repr=False)
class DataDiffResult(DiffResult):
    """``kit diff A B --data``: the layer diff, then schema, rows and column summaries per table."""

    data: DataDiff | None = None

    def text(self) -> str:
        return super().text() + ("\n" + str(self.data) if self.data is not None else "")

    def html(self) -> str:
        return super().html() + (self.data._repr_html_() if self.data is not None else "")
