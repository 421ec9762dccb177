"""`kit init`: generate a Kitfile from the contents of a directory (docs/format.md §5.6), secret-safe.

The detection follows kit's ``pkg/lib/kitfile/generate`` — by default the newest rules (prompts and
skills, ``*pytorch_model*.bin``, directory paths with a trailing ``/``, a ``.`` catch-all only for more
than five unknown files); ``flavor="v1.7"`` reproduces kit 1.7 (``.bin`` weights, a ``.`` catch-all that
replaces every code entry as soon as one unknown file exists).

Deliberate difference from kit: files and directories that hold secrets or junk (see
:func:`~kitops_jupyter.core.secrets.excluded_reason`) never enter the Kitfile. They are listed in
``left_out``; when a directory layer (or the ``.`` catch-all) would still sweep them in when packed,
``kitignore_lines`` holds the ``.kitignore`` patterns that keep them out, and :func:`write_init`
appends those lines before it writes the Kitfile.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from ..errors import InvalidArgument, NotFound, PackError
from . import kitfile as kf
from .atomicfile import write_text
from .licenses import detect_license, detect_license_file
from .secrets import excluded_reason

__all__ = ["GeneratedKitfile", "LeftOut", "detect_license", "generate_kitfile", "write_init"]

Flavor = Literal["newest", "v1.7"]
KITFILE_NAMES = ("Kitfile", "kitfile", ".kitfile")
_WEIGHTS = (
    ".safetensors",
    ".pkl",
    ".joblib",
    ".pth",
    ".pt",
    ".mar",
    ".pt2",
    ".ptl",
    ".pb",
    ".ckpt",
    ".tflite",
    ".tfrecords",
    ".npy",
    ".npz",
    ".keras",
    ".h5",
    ".caffemodel",
    ".pmml",
    ".coreml",
    ".gguf",
    ".ggml",
    ".ggmf",
    ".llamafile",
    ".onnx",
)
_METADATA = (".json", ".yaml", ".xml", ".txt")
_DOCS = (".md", ".adoc", ".html", ".pdf")
_DATASETS = (".tar", ".zip", ".parquet", ".csv")
_PROMPT_NAMES = ("agents.md", "skill.md", "claude.md")
_CODE_DIRS = ("src", "pkg", "lib", "build")
# File kinds, in kit's enumeration order (directory classification walks them in this order).
MODEL, DATASET, CODE, DOCS, METADATA, PROMPT, UNKNOWN = range(7)


@dataclass(frozen=True)
class LeftOut:
    """A path kept out of the Kitfile on purpose; directories end with ``/``."""

    path: str
    reason: str


@dataclass
class GeneratedKitfile:
    kitfile: kf.Kitfile
    left_out: list[LeftOut] = field(default_factory=list)
    kitignore_lines: list[str] = field(default_factory=list)


@dataclass
class _File:
    name: str
    path: str
    size: int


@dataclass
class _Dir:
    name: str
    path: str
    files: list[_File] = field(default_factory=list)
    subdirs: list[_Dir] = field(default_factory=list)


# ---- listing ----------------------------------------------------------------------------------------


def _list_dir(root: Path, rel: str, left_out: list[LeftOut]) -> _Dir:
    """Like kit's directory listing: bytewise-sorted, regular files and directories only."""
    listing = _Dir(name=os.path.basename(rel) or rel, path=rel)
    try:
        entries = sorted(os.scandir(root / rel), key=lambda e: os.fsencode(e.name))
    except OSError as err:
        raise PackError(f"cannot read directory {root / rel}: {err.strerror}; check its permissions") from err
    for entry in entries:
        child = entry.name if rel == "." else f"{rel}/{entry.name}"
        is_dir = entry.is_dir(follow_symlinks=False)
        reason = excluded_reason(entry.name, is_dir)
        if entry.is_symlink():
            left_out.append(LeftOut(child, "symbolic link (kit never packs links)"))
        elif reason is not None:
            left_out.append(LeftOut(child + "/" if is_dir else child, reason))
        elif is_dir:
            listing.subdirs.append(_list_dir(root, child, left_out))
        elif entry.is_file(follow_symlinks=False):
            listing.files.append(_File(entry.name, child, entry.stat(follow_symlinks=False).st_size))
    return listing


# ---- classification ---------------------------------------------------------------------------------


def _file_kind(name: str, newest: bool) -> int:
    base = name.rsplit("/", 1)[-1].lower()
    if newest and (base in _PROMPT_NAMES or ".prompt" in base):
        return PROMPT
    if name.endswith(_WEIGHTS) or (not newest and name.endswith(".bin")):
        return MODEL
    if newest and fnmatch.fnmatchcase(name, "*pytorch_model*.bin"):
        return MODEL
    for kind, suffixes in ((METADATA, _METADATA), (DOCS, _DOCS), (DATASET, _DATASETS)):
        if name.endswith(suffixes):
            return kind
    return UNKNOWN


def _go_ext(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def _layer_dir(path: str, newest: bool) -> str:
    return path + "/" if newest and path != "." and not path.endswith("/") else path


def _skill_md(d: _Dir) -> _File | None:
    return next((f for f in d.files if f.name.lower() == "skill.md"), None)


def _frontmatter(path: Path) -> dict[str, str] | None:
    """``name``/``description``/``license`` of a SKILL.md YAML front matter (raw scalar text)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    except OSError:
        return None
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        return None
    body = "\n".join(lines[1 : lines.index("---", 1)])
    try:
        node = yaml.compose(body, Loader=yaml.SafeLoader) if body.strip() else None
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    out: dict[str, str] = {}
    for key, value in node.value:
        if key.value in ("name", "description", "license"):
            if not isinstance(value, yaml.ScalarNode):
                return None
            out[key.value] = "" if value.tag.endswith(":null") else value.value
    return out


def _skill_prompt(root: Path, d: _Dir) -> tuple[kf.Prompt, dict[str, str] | None]:
    skill = _skill_md(d)
    front = _frontmatter(root / skill.path) if skill else None
    name, description = (front.get("name", ""), front.get("description", "")) if front else ("", "")
    return kf.Prompt(name=name, path=d.path, description=description), front


class _Generator:
    """One run of the detection over a listing; mirrors the shape of kit's functions."""

    def __init__(self, root: Path, newest: bool, out: kf.Kitfile) -> None:
        self.root, self.newest, self.kf = root, newest, out
        self.model_files: list[_File] = []
        self.metadata_files: list[_File] = []
        self.unknown_files: list[_File] = []
        self.unprocessed: list[str] = []
        self.license = ""

    def top_files(self, listing: _Dir) -> None:
        for f in listing.files:
            low = f.name.lower()
            if f.name in KITFILE_NAMES or f.name == ".kitignore":
                continue  # never packed (kit keeps .kitignore as code; pack ignores it anyway)
            if low.startswith("readme"):
                self.kf.docs.append(kf.DocEntry(path=f.path, description="Readme file"))
            elif low.startswith("license"):
                self.kf.docs.append(kf.DocEntry(path=f.path, description="License file"))
                self.license = detect_license_file(self.root / f.path)
            else:
                self.add_file(f, _file_kind(f.path, self.newest))

    def add_file(self, f: _File, kind: int) -> None:
        if kind == MODEL:
            self.model_files.append(f)
        elif kind == METADATA:
            self.metadata_files.append(f)
        elif kind == DOCS:
            self.kf.docs.append(kf.DocEntry(path=f.path))
        elif kind == DATASET:
            self.kf.datasets.append(kf.Dataset(path=f.path))
        elif kind == PROMPT:
            self.kf.prompts.append(kf.Prompt(path=f.path))
        else:
            self.unknown_files.append(f)

    def add_dir(self, d: _Dir) -> None:
        if self.newest and _skill_md(d):
            self.kf.prompts.append(_skill_prompt(self.root, d)[0])
            return
        path = _layer_dir(d.path, self.newest)
        if d.name == "docs":
            self.kf.docs.append(kf.DocEntry(path=path))
            return
        if d.name in _CODE_DIRS:
            self.kf.code.append(kf.CodeEntry(path=path))
            return
        contents: list[list[_File | _Dir]] = [[] for _ in range(UNKNOWN + 1)]
        contents[UNKNOWN].extend(d.subdirs)
        for f in d.files:
            contents[_file_kind(f.name, self.newest)].append(f)
        models = [f for f in contents[MODEL] if isinstance(f, _File)]
        self.model_files.extend(models)
        present = [k for k in range(UNKNOWN + 1) if contents[k] and k != METADATA]
        kind = present[0] if len(present) == 1 else (UNKNOWN if not present else -1)
        if kind == MODEL:
            self.model_files.extend(f for f in contents[METADATA] if isinstance(f, _File))
        elif kind == DATASET:
            self.kf.datasets.append(kf.Dataset(path=path))
        elif kind == DOCS:
            self.kf.docs.append(kf.DocEntry(path=path))
        elif kind == PROMPT:
            self.kf.prompts.append(kf.Prompt(path=path))
        elif self.newest:
            self.kf.code.append(kf.CodeEntry(path=path))  # mixed or unrecognised contents
        else:
            self.unprocessed.append(d.path)

    def add_model(self) -> None:
        files = self.model_files
        if not files:
            for f in self.metadata_files:
                self.kf.datasets.append(kf.Dataset(path=f.path))
            return
        average = sum(f.size for f in files) // len(files)
        largest = max(files, key=lambda f: f.size)  # first of the largest, as kit's strict '>' scan
        if len(files) == 1 or largest.size > average + average // 2:
            main, name = largest, largest.path.removesuffix(_go_ext(largest.name))
        else:
            main, name = files[0], ""
        parts = [f for f in files if f is not main] + self.metadata_files
        self.kf.model = kf.Model(name=name, path=main.path, parts=[kf.ModelPart(path=f.path) for f in parts])

    def code_entries(self) -> None:
        if self.newest:
            unknown = ["."] if len(self.unknown_files) > 5 else [f.path for f in self.unknown_files]
            self.kf.code.extend(kf.CodeEntry(path=p) for p in unknown)
        elif self.unknown_files or len(self.unprocessed) > 5:
            self.kf.code[:] = [kf.CodeEntry(path=".")]
        else:
            self.kf.code.extend(kf.CodeEntry(path=p) for p in self.unprocessed)

    def place_license(self) -> None:
        out = self.kf
        if out.model is not None and self.license:
            out.model.license = self.license
        elif len(out.datasets) == 1:
            out.datasets[0].license = self.license
        elif len(out.code) == 1:
            out.code[0].license = self.license
        else:
            out.package.license = self.license

    def skill_package(self, listing: _Dir) -> None:
        fronts = [_frontmatter(self.root / s.path) for d in listing.subdirs if (s := _skill_md(d))]
        found = [f for f in fronts if f is not None]
        if not found:
            return
        out, pkg = self.kf, self.kf.package
        only_prompts = out.model is None and not (out.code or out.datasets or out.docs)
        if only_prompts and len(found) == 1:
            pkg.name = pkg.name or found[0].get("name", "")
            pkg.description = pkg.description or found[0].get("description", "")
        if not pkg.license and found[0].get("license"):
            pkg.license = found[0]["license"]

    def run(self, listing: _Dir) -> None:
        if self.newest and _skill_md(listing):
            prompt, front = _skill_prompt(self.root, listing)
            self.kf.prompts.append(prompt)
            for key in ("name", "description", "license"):
                if front and not getattr(self.kf.package, key):
                    setattr(self.kf.package, key, front.get(key, ""))
            return
        self.top_files(listing)
        for d in listing.subdirs:
            self.add_dir(d)
        if self.newest:
            self.code_entries()
        self.add_model()
        if not self.newest:
            self.code_entries()
        self.place_license()
        if self.newest:
            self.skill_package(listing)


def _authors(author: str | Sequence[str]) -> list[str]:
    """``package.authors`` from one name (kit's ``--author``) or several; empty names are dropped."""
    names = [author] if isinstance(author, str) else list(author)
    for each in names:
        if not isinstance(each, str):
            raise InvalidArgument(f"author {each!r} is not a string; give a name or a list of names")
    return [each.strip() for each in names if each.strip()]


def _empty_kitfile(name: str, description: str, author: str | Sequence[str]) -> kf.Kitfile:
    package = kf.Package(name=name, description=description, authors=_authors(author))
    return kf.Kitfile(manifest_version="1.0.0", package=package)


# ---- entry points -----------------------------------------------------------------------------------


def _layer_paths(out: kf.Kitfile) -> list[str]:
    paths = [out.model.path, *(p.path for p in out.model.parts)] if out.model else []
    for entries in (out.code, out.datasets, out.docs, out.prompts):
        paths.extend(e.path for e in entries)
    return paths


def _ignore_pattern(path: str) -> str:
    escaped = re.sub(r"([\\*?\[])", r"\\\1", path)
    return "\\" + escaped if escaped.startswith(("#", "!")) else escaped


def _kitignore_lines(root: Path, out: kf.Kitfile, left_out: list[LeftOut]) -> list[str]:
    """Patterns for left-out paths that a directory layer (or ``.``) would otherwise pack."""
    dirs = {p.rstrip("/") or "." for p in _layer_paths(out) if (root / p).is_dir()}
    lines: list[str] = []
    for item in left_out:
        path = item.path.rstrip("/")
        inside = "." in dirs or any(path.startswith(d + "/") for d in dirs)
        if inside and not item.reason.startswith("symbolic link"):
            lines.append(_ignore_pattern(path))
    return lines


def generate_kitfile(
    directory: Path,
    *,
    name: str = "",
    description: str = "",
    author: str | Sequence[str] = "",
    flavor: Flavor = "newest",
) -> GeneratedKitfile:
    """Generate a Kitfile for ``directory`` like ``kit init`` (see the module docstring); ``author``
    is one name or a list of them (``package.authors``)."""
    root = Path(directory)
    if not root.is_dir():
        raise NotFound(f"cannot generate a Kitfile: {root} is not a directory")
    if flavor not in ("newest", "v1.7"):
        raise InvalidArgument(f"unknown kit init flavor {flavor!r}; use 'newest' or 'v1.7'")
    left_out: list[LeftOut] = []
    listing = _list_dir(root, ".", left_out)
    out = _empty_kitfile(name, description, author)
    _Generator(root, flavor == "newest", out).run(listing)
    return GeneratedKitfile(out, left_out, _kitignore_lines(root, out, left_out))


def _merge_kitignore(directory: Path, lines: list[str]) -> None:
    path = directory / ".kitignore"
    existing = path.read_bytes().decode("utf-8", "surrogateescape") if path.exists() else ""
    present = {line.strip() for line in existing.splitlines()}
    missing = [line for line in dict.fromkeys(lines) if line not in present]
    if not missing:
        return
    head = existing if not existing or existing.endswith("\n") else existing + "\n"
    note = "# Left out by kitops-jupyter init: secrets, caches and OS junk\n"
    write_text(path, head + note + "".join(line + "\n" for line in missing), mode=0o644)


def write_init(directory: Path, generated: GeneratedKitfile, force: bool = False) -> Path:
    """Write ``directory/Kitfile`` (refusing to replace one unless ``force``) after merging
    ``generated.kitignore_lines`` into ``.kitignore``; both writes are atomic. Returns the Kitfile path."""
    directory = Path(directory)
    target = directory / "Kitfile"
    if target.exists() and not force:
        raise InvalidArgument(f"Kitfile already exists at {target}; use force=True (--force) to overwrite it")
    try:
        _merge_kitignore(directory, generated.kitignore_lines)
        write_text(target, kf.dump_kitfile(generated.kitfile), mode=0o644)
    except OSError as err:
        raise PackError(f"cannot write the Kitfile in {directory}: {err.strerror or err}") from err
    return target
