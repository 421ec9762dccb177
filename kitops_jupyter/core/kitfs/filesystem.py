"""``kit://`` — an fsspec filesystem over ModelKits, registered through the ``fsspec.specs`` entry point.

    >>> import pandas as pd
    >>> pd.read_parquet("kit://registry.example.com/myorg/data:v1/data/train.parquet", columns=["y"])

Paths are ``REGISTRY/REPOSITORY:TAG/PATH`` (or ``@sha256:…``); a ModelKit in the local store is read
from it without network. Files appear as ``kit unpack`` would place them, plus the ``Kitfile``.
Options: ``home`` ($KITOPS_HOME), ``verify`` (fetch and digest-check whole layers before serving
them), ``plain_http``, ``tls_verify``, ``ca_bundle``. Credentials come from ``kit login`` / the
environment, never from the URL or the options, and never appear in a repr.
"""

from __future__ import annotations

import datetime
import threading
from pathlib import Path
from typing import Any

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

from ...errors import InvalidArgument, MissingPath
from ..mediatypes import ANNOTATION_CREATED
from ..registry import RegistryOptions
from ..store import LocalStore, kitops_home
from .layers import KITFILE, Layer, ModelKitFiles, Resolver
from .tarindex import Member
from .url import PROTOCOL, KitPath, parse_kit_path, strip_protocol

DEFAULT_BLOCK_SIZE = 256 << 10  # small: a column read should not drag megabytes of read-ahead along


class KitFileSystem(AbstractFileSystem):  # type: ignore[misc]
    protocol = PROTOCOL
    root_marker = ""

    def __init__(
        self,
        home: str | Path | None = None,
        verify: bool = False,
        plain_http: bool | None = None,
        tls_verify: bool = True,
        ca_bundle: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.home = Path(home) if home is not None else None
        self.verify = verify
        self._network = {"plain_http": plain_http, "tls_verify": tls_verify, "ca_bundle": ca_bundle}
        self._resolvers: dict[Path, Resolver] = {}
        self._lock = threading.Lock()

    @property
    def resolver(self) -> Resolver:
        """The resolver of the store in use: ``home``, else $KITOPS_HOME as it is now."""
        home = self.home or kitops_home()
        with self._lock:
            if home not in self._resolvers:
                options = RegistryOptions(**self._network, home=home)  # type: ignore[arg-type]
                self._resolvers[home] = Resolver(LocalStore(home), options, self.verify)
            return self._resolvers[home]

    def __repr__(self) -> str:
        return f"KitFileSystem(home={str(self.home) if self.home else None!r}, verify={self.verify})"

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        return strip_protocol(str(path))

    def unstrip_protocol(self, name: str) -> str:
        return f"{PROTOCOL}://{strip_protocol(name)}"

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget resolved tags (the next access asks the registry again); layer indexes stay valid."""
        self.resolver.forget()
        super().invalidate_cache(path)

    # -- lookups -------------------------------------------------------------------------------

    def _locate(self, path: str) -> tuple[KitPath, ModelKitFiles]:
        where = parse_kit_path(path)
        return where, self.resolver.modelkit(where.reference)

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        where, files = self._locate(path)
        if not where.inner:
            return _dir_info(where.root)
        if where.inner == KITFILE and files.find(KITFILE) is None:
            return _file_info(where.root + "/" + KITFILE, len(files.kitfile_bytes))
        found = files.find(where.inner)
        if found is not None:
            member = found[1]
            name = where.join(member.name)
            return _dir_info(name) if member.is_dir else _file_info(name, member.size)
        if files.children(where.inner):
            return _dir_info(where.join(where.inner))
        raise MissingPath(f"{where.inner!r} is not in {files.reference.display()} (kit://{path})")

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        where, files = self._locate(path)
        if where.inner:
            found = files.find(where.inner)
            if found is not None and not found[1].is_dir:
                entries = [self.info(path)]
                return entries if detail else [e["name"] for e in entries]
        children = files.children(where.inner)
        if not children and where.inner:
            raise MissingPath(f"{where.inner!r} is not in {files.reference.display()} (kit://{path})")
        prefix = where.join(where.inner)
        entries = [_entry(f"{prefix}/{name}", member) for name, member in sorted(children.items())]
        return entries if detail else [e["name"] for e in entries]

    def _member(self, path: str) -> tuple[ModelKitFiles, Layer | None, Member]:
        where, files = self._locate(path)
        found = files.find(where.inner) if where.inner else None
        if found is None and where.inner == KITFILE:
            return files, None, Member(KITFILE, -1, len(files.kitfile_bytes), False, 0o644)
        if found is None:
            raise MissingPath(f"{where.inner!r} is not in {files.reference.display()} (kit://{path})")
        if found[1].is_dir:
            raise IsADirectoryError(f"kit://{path} is a directory")
        return files, found[0], found[1]

    def read_member(self, path: str, start: int, end: int) -> bytes:
        files, layer, member = self._member(path)
        start, end = max(0, start), min(end, member.size)
        if end <= start:
            return b""
        if layer is None:
            return files.kitfile_bytes[start:end]
        assert layer.source is not None
        return layer.source.read_at(member.offset + start, end - start)

    def modified(self, path: str) -> datetime.datetime:
        """The ModelKit's creation time (its files never change under one digest); epoch if unknown."""
        _, files = self._locate(path)
        created = (files.manifest.annotations or {}).get(ANNOTATION_CREATED, "")
        try:
            return datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return datetime.datetime.fromtimestamp(0, datetime.timezone.utc)

    # -- reads ---------------------------------------------------------------------------------

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        size = self.size(path)
        first = 0 if start is None else (start if start >= 0 else max(0, size + start))
        last = size if end is None else (end if end >= 0 else max(0, size + end))
        return self.read_member(path, first, last)

    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> KitFile:
        if mode != "rb":
            raise InvalidArgument(f"kit:// is read-only; open {path!r} with mode 'rb' (got {mode!r})")
        size = self._member(path)[2].size
        return KitFile(
            self,
            path,
            mode,
            block_size=block_size or DEFAULT_BLOCK_SIZE,
            size=size,
            cache_options=cache_options,
            **kwargs,
        )


class KitFile(AbstractBufferedFile):  # type: ignore[misc]
    """One file inside a ModelKit; ranges map onto the layer's blob."""

    def __init__(self, fs: KitFileSystem, path: str, mode: str, *, size: int, **kwargs: Any) -> None:
        kwargs.setdefault("cache_type", "readahead")
        super().__init__(fs, path, mode, size=size, **kwargs)

    def _fetch_range(self, start: int, end: int) -> bytes:
        data: bytes = self.fs.read_member(self.path, start, end)
        return data

    def __repr__(self) -> str:
        return f"<KitFile kit://{self.path}>"


def _dir_info(name: str) -> dict[str, Any]:
    return {"name": name, "size": 0, "type": "directory"}


def _file_info(name: str, size: int) -> dict[str, Any]:
    return {"name": name, "size": size, "type": "file"}


def _entry(name: str, member: Member | None) -> dict[str, Any]:
    if member is None or member.is_dir:
        return _dir_info(name)
    return _file_info(name, member.size)
