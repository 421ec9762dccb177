"""Walk the context for one layer exactly like ``kit pack`` does (docs/format.md §3.1, §3.3).

kit walks the *whole* context directory with ``filepath.Walk`` (names sorted bytewise, depth first,
a directory before its children, ``lstat`` only) and for each entry:

1. skips anything that is neither a regular file nor a directory (symlinks included);
2. prunes entries that are neither ancestors nor descendants of the layer path, using a
   ``filepath.Rel`` test that looks for the substring ``..`` (so a name containing ``..`` inside
   the layer is skipped too: a kit quirk reproduced here, with a warning);
3. skips what ``.kitignore`` or another layer claims (directories are pruned unless the ignore file
   has ``!`` patterns, in which case the walk descends but omits the directory's own header);
4. writes a header for everything else. Ancestor directories of the layer path therefore appear
   as directory entries (layer ``data/train.csv`` -> ``data``, ``data/train.csv``).

Cross-layer exclusion uses kit's newest component-aware "is within" rule: ``data-v2`` is not
within ``data`` (v1.7 used a plain string prefix).
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import PackError
from .ignore import IgnoreRules, go_clean, kit_clean

__all__ = ["TarEntry", "walk_layer"]

Warn = Callable[[str], None]


@dataclass(frozen=True)
class TarEntry:
    """One tar member: ``name`` is the header name, ``path`` the file on disk."""

    name: str
    path: Path
    mode: int
    size: int
    is_dir: bool
    # what identifies the content cheaply, for the layer cache (not part of the tar bytes)
    mtime_ns: int = dataclasses.field(default=0, compare=False)
    inode: int = dataclasses.field(default=0, compare=False)
    device: int = dataclasses.field(default=0, compare=False)


def walk_layer(
    context: Path,
    layer_path: str,
    rules: IgnoreRules,
    other_layer_paths: Sequence[str],
    warn: Warn,
    *,
    field: str = "",
    exclusion_rule: str = "newest",
) -> Iterator[TarEntry]:
    """Entries of the layer for ``layer_path`` (a Kitfile path relative to ``context``), in tar order.

    ``other_layer_paths`` are the paths of every other layer of the Kitfile (the layer's own path may
    be included; it is never an exclusion). ``field`` names the Kitfile field (``datasets[0].path``)
    in error messages. ``exclusion_rule="v1.7"`` reproduces kit <= 1.7's string-prefix cross-layer
    exclusion (``data`` also claims ``data2``) for byte comparisons with those versions.
    Raises :class:`PackError` if the path does not exist or cannot be read.
    """
    if exclusion_rule not in ("newest", "v1.7"):
        raise ValueError(f"unknown exclusion_rule {exclusion_rule!r}")
    base = go_clean(layer_path)
    where = f"{field} " if field else "layer path "
    if base.startswith("/"):
        raise PackError(f"{where}{layer_path!r} is absolute; use a path relative to the context {context}")
    if not _check_target(context, base, layer_path, where, warn):
        return
    if rules.matches(base):
        warn(f"layer path {base} is ignored by {rules.source}; the layer will not contain it")
    walker = _Walker(context, base, rules, other_layer_paths, warn, legacy=exclusion_rule == "v1.7")
    yield from walker.walk()


def _check_target(context: Path, base: str, raw: str, where: str, warn: Warn) -> bool:
    """kit's ``os.Stat`` of the layer path (symlinks followed). False: nothing to walk."""
    target = context / base
    try:
        info = target.stat()
    except FileNotFoundError:
        raise PackError(
            f"{where}{raw!r} does not exist in the context {context}; fix the path in the Kitfile "
            "or create the file"
        ) from None
    except OSError as exc:
        raise PackError(f"{where}{raw!r}: cannot read {target}: {exc.strerror}") from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise PackError(f"{where}{raw!r} is neither a file nor a directory; point it at a file or directory")
    if base == ".." or base.startswith("../"):
        warn(f"layer path {raw} is outside the context {context}; kit packs it as an empty layer")
        return False
    return True


class _Walker:
    def __init__(
        self, context: Path, base: str, rules: IgnoreRules, others: Sequence[str], warn: Warn, legacy: bool
    ) -> None:
        self.context = context
        self.root = os.fsencode(context)
        self.base = base
        self.rules = rules
        self.warn = warn
        base_key = kit_clean(base)
        # Layers that are the current path or its ancestors never exclude anything from it.
        within = _has_prefix if legacy else _is_within
        self.within = within
        self.others = [p for p in (kit_clean(o) for o in others) if not within(base_key, p)]

    def walk(self) -> Iterator[TarEntry]:
        """Depth first, a directory before its children; iterative, so depth is not limited."""
        stack = [iter(self._children(b"."))]
        while stack:
            rel = next(stack[-1], None)
            if rel is None:
                stack.pop()
                continue
            entry, descend = self._visit(rel)
            if entry is not None:
                yield entry
            if descend:
                stack.append(iter(self._children(rel)))

    def _children(self, rel: bytes) -> list[bytes]:
        directory = os.path.join(self.root, rel)
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            raise PackError(
                f"cannot list {os.fsdecode(directory)}: {exc.strerror}; fix its permissions"
            ) from None
        return [name if rel == b"." else rel + b"/" + name for name in names]

    def _visit(self, rel_bytes: bytes) -> tuple[TarEntry | None, bool]:
        """The entry to write for ``rel_bytes`` (or None) and whether to walk into it."""
        rel = os.fsdecode(rel_bytes)
        if not _same_dir_tree(self.base, rel):
            if _related(self.base, rel):
                self.warn(f"skipped {rel}: kit does not pack paths whose relative path contains '..'")
            return None, False
        info = self._lstat(rel_bytes)
        is_dir = stat.S_ISDIR(info.st_mode)
        ignored_by_file = self.rules.matches(rel)
        if ignored_by_file or self._claimed_by_other_layer(rel):
            # With "!" patterns kit descends into ignored directories: something below may be re-included.
            return None, is_dir and self.rules.has_negation and ignored_by_file
        if not (is_dir or stat.S_ISREG(info.st_mode)):
            self._warn_special(rel, info.st_mode)
            return None, False
        mode = stat.S_IMODE(info.st_mode)
        size = 0 if is_dir else info.st_size
        entry = TarEntry(
            rel, self.context / rel, mode, size, is_dir, info.st_mtime_ns, info.st_ino, info.st_dev
        )
        return entry, is_dir

    def _lstat(self, rel_bytes: bytes) -> os.stat_result:
        try:
            return os.lstat(os.path.join(self.root, rel_bytes))
        except OSError as exc:
            raise PackError(
                f"cannot stat {os.fsdecode(rel_bytes)} in {self.context}: {exc.strerror}; "
                "was it removed while packing?"
            ) from None

    def _claimed_by_other_layer(self, rel: str) -> bool:
        key = kit_clean(rel)
        return any(self.within(key, other) for other in self.others)

    def _warn_special(self, rel: str, st_mode: int) -> None:
        if stat.S_ISLNK(st_mode):
            self.warn(f"skipped symlink {rel}; kit does not pack symlinks")
        else:
            self.warn(f"skipped {rel}: not a regular file or directory; kit packs only files and directories")


def _is_within(path: str, directory: str) -> bool:
    """kit's ``isWithin``: ``path`` is ``directory`` or below it (``.`` contains everything)."""
    return directory == "." or path == directory or path.startswith(directory + "/")


def _has_prefix(path: str, directory: str) -> bool:
    """kit <= 1.7's test: a plain string prefix (``data`` claims ``data2`` and ``datafile.txt``)."""
    return path.startswith(directory)


def _related(base: str, rel: str) -> bool:
    """True ancestor/descendant relation by path components."""
    return _is_within(rel, base) or _is_within(base, rel)


def _same_dir_tree(base: str, rel: str) -> bool:
    """kit's ``sameDirTree``: false only if both ``filepath.Rel`` results contain ``..``."""
    return ".." not in _go_rel(base, rel) or ".." not in _go_rel(rel, base)


def _go_rel(base: str, target: str) -> str:
    """``filepath.Rel`` for two clean relative paths without ``..`` components."""
    if base == target:
        return "."
    base_parts = [] if base == "." else base.split("/")
    target_parts = [] if target == "." else target.split("/")
    common = 0
    while common < min(len(base_parts), len(target_parts)) and base_parts[common] == target_parts[common]:
        common += 1
    ups = [".."] * (len(base_parts) - common)
    return "/".join(ups + target_parts[common:]) or "."
