"""Safe, digest-verified, transactional extraction of planned layers (docs/format.md §4).

A whole unpack (every layer, the parents' model layers and the Kitfile; see
:func:`~.unpack.plan_unpack` for choosing the layers) is one :class:`UnpackTransaction`:

1. each blob streams through a size-limited, hashing reader (digest), the decompressor, a second
   hashing reader (diffId, compressed layers only) and :class:`~.tarread.TarReader`, which refuses
   anything but safe regular files and directories;
2. files land in a staging directory ``<target>/.kitops-unpack-<random>/``; every name is checked
   against the target (symlinks leading outside, collisions, files where directories are needed)
   before its bytes are written;
3. only when a layer's whole stream is read and both hashes match are its entries moved into place,
   and every move is journaled (replaced files are kept as backups in the staging directory);
4. if anything fails before the end (a digest, an unsafe entry, a full disk, an interrupt), the
   journal is undone: replaced files come back, new files and new directories go, and a target
   directory the unpack created is removed again, so the target is exactly as before;
5. the staging directory is always removed.

File modes come from the headers with the process umask applied, as kit does; setuid, setgid and
sticky bits are dropped (kit keeps them).
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import posixpath
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ..errors import IntegrityError, InvalidArgument, UnpackError, UnsafeArchive
from . import mediatypes
from .digest import CHUNK, VerifyingReader
from .manifest import Descriptor
from .oserrors import os_error
from .progress import ByteProgress, ProgressCallback
from .tarread import TarReader, check_name

if TYPE_CHECKING:
    from .layerplan import PlannedLayer

__all__ = [
    "STAGING_PREFIX",
    "OpenBlob",
    "UnpackHow",
    "UnpackTransaction",
    "unpack_layers",
    "unpack_transaction",
    "write_staged",
]

STAGING_PREFIX = ".kitops-unpack-"
_FILE_METADATA = mediatypes.ANNOTATION_FILE_METADATA
_EXISTS_HINT = "use overwrite=True (-o) to replace or ignore_existing=True (-i) to keep it"

OpenBlob = Callable[[Descriptor], BinaryIO]


# -- extraction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    target: Path  # absolute, symlinks resolved
    overwrite: bool
    ignore_existing: bool


@dataclass(frozen=True)
class _Staged:
    name: str  # normalised relative path
    is_dir: bool
    mode: int
    source: Path | None  # staged file; None for directories


def unpack_layers(
    plan: list[PlannedLayer],
    open_blob: OpenBlob,
    target: Path,
    *,
    overwrite: bool = False,
    ignore_existing: bool = False,
    progress: ProgressCallback | None = None,
    transaction: UnpackTransaction | None = None,
) -> None:
    """Extract every planned layer into ``target`` (created if missing): all of them or nothing.

    Inside ``transaction`` the layers join it (its target and flags apply; it commits or undoes them).
    """
    with unpack_transaction(
        target, overwrite=overwrite, ignore_existing=ignore_existing, outer=transaction
    ) as txn:
        txn.extract(plan, open_blob, progress)


@contextmanager
def unpack_transaction(
    target: Path,
    *,
    overwrite: bool = False,
    ignore_existing: bool = False,
    outer: UnpackTransaction | None = None,
) -> Iterator[UnpackTransaction]:
    """An :class:`UnpackTransaction` committed when the block ends, undone if it raises.

    With ``outer`` the block simply joins that transaction. File-system errors become UnpackError.
    """
    if outer is not None:
        yield outer
        return
    try:
        txn = UnpackTransaction(target, overwrite=overwrite, ignore_existing=ignore_existing)
    except OSError as exc:
        raise UnpackError(os_error(exc, "unpack into", target)) from exc
    try:
        yield txn
    except BaseException as exc:
        txn.rollback()
        if isinstance(exc, OSError):
            raise UnpackError(
                f"{os_error(exc, 'unpack into', target)} (nothing was kept: {target} is as it was)"
            ) from exc
        raise
    txn.commit()


@dataclass(frozen=True)
class UnpackHow:
    """How an unpack writes, passed along to the parents' unpacks: existing files, progress, transaction."""

    overwrite: bool = False
    ignore_existing: bool = False
    progress: ProgressCallback | None = None
    transaction: UnpackTransaction | None = None

    def __post_init__(self) -> None:
        _refuse_both(self.overwrite, self.ignore_existing)


def _refuse_both(overwrite: bool, ignore_existing: bool) -> None:
    if overwrite and ignore_existing:
        raise InvalidArgument("overwrite (-o) and ignore_existing (-i) contradict each other; choose one")


class UnpackTransaction:
    """One all-or-nothing unpack into ``target``: layers and files join, then commit or rollback."""

    def __init__(self, target: Path, *, overwrite: bool = False, ignore_existing: bool = False) -> None:
        _refuse_both(overwrite, ignore_existing)
        if os.path.lexists(target) and not target.is_dir():
            raise UnpackError(f"cannot unpack into {target}: it exists and is not a directory")
        self.target = target
        self._created = _make_dirs(target)
        try:
            self.policy = _Policy(target.resolve(strict=True), overwrite, ignore_existing)
            self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.policy.target))
        except BaseException:
            _remove_dirs(self._created)
            raise
        self._placement = _Placement(self.staging, self.policy)
        self._layers = 0

    def extract(
        self, plan: list[PlannedLayer], open_blob: OpenBlob, progress: ProgressCallback | None
    ) -> None:
        counter = ByteProgress(sum(layer.descriptor.size for layer in plan), progress)
        for layer in plan:
            with open_blob(layer.descriptor) as raw:
                self._extract_layer(layer, raw, counter)

    def _extract_layer(self, layer: PlannedLayer, raw: BinaryIO, counter: ByteProgress) -> None:
        self._layers += 1
        staging = self.staging / f"layer-{self._layers}"
        staging.mkdir()
        try:
            staged = _stage(layer, raw, staging, self.policy, counter)
        except IntegrityError as exc:
            check = getattr(raw, "damaged", None)  # a local store blob: drop a bad one so a pull restores it
            verdict = check() if check is not None else None
            if verdict is None:
                raise
            raise IntegrityError(f"{exc}; {verdict}") from None
        self._placement.place(layer, staged)
        shutil.rmtree(staging, ignore_errors=True)

    def add_file(self, name: str, data: bytes, mode: int = 0o644) -> Path:
        """Place one file (the unpacked Kitfile) as part of the transaction, replacing what is there."""
        source = self.staging / f"file-{len(self._placement.moved)}"
        write_staged(io.BytesIO(data), source, mode)
        final = self.policy.target / name
        self._placement.file(_Staged(name, False, mode, source), final)
        return final

    def commit(self) -> None:
        self._placement.finish()
        shutil.rmtree(self.staging, ignore_errors=True)

    def rollback(self) -> None:
        try:
            self._placement.undo()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            _remove_dirs(self._created)


def _make_dirs(target: Path) -> list[Path]:
    """Create ``target`` and missing parents (0755); returns the ones created, outermost first."""
    missing = []
    path = Path(os.path.abspath(target))
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    created: list[Path] = []
    try:
        for each in reversed(missing):
            os.mkdir(each, 0o755)
            created.append(each)
    except BaseException:
        _remove_dirs(created)
        raise
    return created


def _remove_dirs(created: list[Path]) -> None:
    for path in reversed(created):
        with suppress(OSError):
            os.rmdir(path)


def _stage(
    layer: PlannedLayer, raw: BinaryIO, staging: Path, policy: _Policy, counter: ByteProgress
) -> list[_Staged]:
    desc = layer.descriptor
    limited = cast(BinaryIO, _Limited(raw, desc.size, counter, layer.label))
    blob = VerifyingReader(limited, desc.digest, desc.size, layer.label)
    try:
        with _decompressed(blob, layer.compression) as stream:
            plain = stream
            if layer.compression and layer.diff_id:
                what = f"{layer.label} (uncompressed, diffId)"
                plain = cast(BinaryIO, VerifyingReader(stream, layer.diff_id, None, what))
            staged = _stage_stream(layer, plain, staging, policy)
            _drain(plain)  # the diffId covers everything after the end-of-archive marker too
    except UnsafeArchive:
        _verify_after_error(blob)  # a corrupt blob is reported as corrupt, not as a hostile archive
        raise
    except _decompression_errors() as exc:
        _verify_after_error(blob)
        raise _refused(layer, f"the layer cannot be decompressed ({exc})") from exc
    blob.drain()
    blob.verify()
    if isinstance(plain, VerifyingReader):
        plain.verify()
    return staged


def _verify_after_error(blob: VerifyingReader) -> None:
    with suppress(IntegrityError):  # more bytes than declared: verify() reports the mismatch below
        blob.drain()
    blob.verify()


def _drain(stream: BinaryIO) -> None:
    while stream.read(CHUNK):
        pass


def _stage_stream(layer: PlannedLayer, stream: BinaryIO, staging: Path, policy: _Policy) -> list[_Staged]:
    if layer.format == "raw":
        return _stage_raw(layer, stream, staging, policy)
    staged: list[_Staged] = []
    kinds: dict[str, bool] = {}
    for member in TarReader(stream, layer.label):
        name = posixpath.join(layer.subdir, member.name).strip("/")
        if not name:
            continue  # "." names the target itself
        _check_in_layer(layer, kinds, name, member.is_dir)
        if not _check_target(layer, name, member.is_dir, policy):
            continue  # ignore_existing: the reader skips the data
        source = None if member.is_dir else write_staged(member, staging / str(len(staged)), member.mode)
        staged.append(_Staged(name, member.is_dir, member.mode, source))
    return staged


def _stage_raw(layer: PlannedLayer, stream: BinaryIO, staging: Path, policy: _Policy) -> list[_Staged]:
    meta = _raw_metadata(layer)
    path = (layer.descriptor.annotations or {}).get(mediatypes.ANNOTATION_FILEPATH) or layer.path
    try:
        name = check_name(path)
    except ValueError as exc:
        raise _refused(layer, f"raw layer path {path!r} {exc}") from None
    mode = int(meta.get("mode", 0o644)) & 0o7777
    if not _check_target(layer, name, False, policy):
        return []
    source = write_staged(stream, staging / "raw", mode)
    size = source.stat().st_size
    if "size" in meta and size != meta["size"]:
        raise IntegrityError(
            f"{layer.label}: raw file {name!r} has {size} bytes, metadata says {meta['size']}"
        )
    return [_Staged(name, False, mode, source)]


def _raw_metadata(layer: PlannedLayer) -> dict[str, Any]:
    text = (layer.descriptor.annotations or {}).get(_FILE_METADATA)
    if not text:
        return {}
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return meta if isinstance(meta, dict) else {}


def write_staged(source: Any, path: Path, mode: int) -> Path:
    """Copy ``source`` (anything with ``read``) to a new file ``path`` created with ``mode`` (umask applies)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode & 0o777)
    with open(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
    return path


def _check_in_layer(layer: PlannedLayer, kinds: dict[str, bool], name: str, is_dir: bool) -> None:
    parts = name.split("/")
    for i in range(1, len(parts)):
        if kinds.get("/".join(parts[:i])) is False:
            raise _refused(
                layer, f"entry {name!r} lies under {'/'.join(parts[:i])!r}, which the layer made a file"
            )
    previous = kinds.get(name)
    if previous is not None and not (previous and is_dir):
        raise _refused(layer, f"entry {name!r} appears twice in the layer")
    kinds[name] = is_dir


def _refused(layer: PlannedLayer, problem: str) -> UnsafeArchive:
    return UnsafeArchive(f"{layer.label}: {problem}; the layer was refused and nothing from it was kept")


def _check_target(layer: PlannedLayer, name: str, is_dir: bool, policy: _Policy) -> bool:
    """Refuse unsafe or colliding destinations; False means "exists, keep it" (ignore_existing)."""
    final = policy.target / name
    real = Path(os.path.realpath(final))
    if real != policy.target and policy.target not in real.parents:
        raise UnsafeArchive(
            f"{layer.label}: entry {name!r} would be written to {real}, outside {policy.target}, through "
            "an existing symbolic link; remove the link or unpack into another directory"
        )
    _check_parents(layer, name, policy)
    if not os.path.lexists(final):
        return True
    if is_dir:
        if not final.is_dir():
            raise UnpackError(
                f"{layer.label}: path {name!r} already exists and is not a directory; remove it first"
            )
        return True
    if policy.ignore_existing:
        return False
    if not policy.overwrite:
        raise UnpackError(f"{layer.label}: path {name!r} already exists; {_EXISTS_HINT}")
    if not final.is_file() or final.is_symlink():
        raise UnpackError(
            f"{layer.label}: path {name!r} already exists and is not a regular file; remove it first"
        )
    return True


def _check_parents(layer: PlannedLayer, name: str, policy: _Policy) -> None:
    parts = name.split("/")
    for i in range(1, len(parts)):
        parent = policy.target.joinpath(*parts[:i])
        if os.path.lexists(parent) and not parent.is_dir():
            raise UnpackError(
                f"{layer.label}: entry {name!r} needs a directory at {'/'.join(parts[:i])!r}, "
                "but a file is there; remove it or unpack into another directory"
            )


# -- placing ---------------------------------------------------------------------------------


class _Placement:
    """Moves staged entries into the target and journals how to undo it (for the whole transaction)."""

    def __init__(self, staging: Path, policy: _Policy) -> None:
        self.staging, self.policy = staging, policy
        self.created: list[Path] = []  # directories we made, in creation order
        self.moved: list[tuple[Path, Path | None]] = []  # (final, backup of what it replaced)
        self.modes: list[tuple[Path, int]] = []  # directories whose owner bits are restored at the end

    def directory(self, path: Path, mode: int) -> None:
        if os.path.lexists(path):
            return
        self.directory(path.parent, 0o755)
        os.mkdir(path, (mode & 0o777) | 0o700)
        self.created.append(path)
        if mode & 0o700 != 0o700:
            self.modes.append((path, mode))

    def file(self, item: _Staged, final: Path) -> None:
        assert item.source is not None
        self.directory(final.parent, 0o755)
        backup = None
        if os.path.lexists(final):
            backup = self.staging / f"backup-{len(self.moved)}"
            os.replace(final, backup)
        self.moved.append((final, backup))
        _move(item.source, final)

    def place(self, layer: PlannedLayer, staged: list[_Staged]) -> None:
        for item in staged:
            if not _check_target(layer, item.name, item.is_dir, self.policy):
                continue
            final = self.policy.target / item.name
            if item.is_dir:
                self.directory(final, item.mode)
            else:
                self.file(item, final)

    def finish(self) -> None:
        for path, mode in reversed(self.modes):
            current = path.stat().st_mode & 0o777
            os.chmod(path, current & ~(0o700 & ~mode))

    def undo(self) -> None:
        for final, backup in reversed(self.moved):
            if backup is not None:
                os.replace(backup, final)
            elif os.path.lexists(final):
                os.unlink(final)
        for path in reversed(self.created):
            with suppress(OSError):
                os.rmdir(path)


def _move(source: Path, final: Path) -> None:
    try:
        os.replace(source, final)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # a mount point inside the target: copy, then rename
            raise
        tmp = final.parent / f"{STAGING_PREFIX}{final.name}.tmp"
        shutil.copy2(source, tmp)
        os.replace(tmp, final)


# -- streams ---------------------------------------------------------------------------------


class _Limited:
    """Counts progress and refuses to read past the descriptor's size (a hostile endless stream)."""

    def __init__(self, raw: BinaryIO, limit: int, counter: ByteProgress, what: str) -> None:
        self._raw, self._limit, self._counter, self._what = raw, limit, counter, what
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        room = self._limit - self.count + 1
        data = self._raw.read(room if n < 0 else min(n, room))
        self.count += len(data)
        if self.count > self._limit:
            raise IntegrityError(
                f"{self._what}: the blob is larger than its descriptor's {self._limit} bytes"
            )
        self._counter.add(len(data))
        return data


class _RawAdapter(io.RawIOBase):
    """``readinto`` on top of ``read`` (isal's gzip reader needs it)."""

    def __init__(self, source: VerifyingReader) -> None:
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _decompressed(blob: VerifyingReader, compression: str) -> Iterator[BinaryIO]:
    if not compression:
        yield cast(BinaryIO, blob)
    elif compression == "gzip":
        from isal import igzip  # compressor libraries load on first use: imports stay cheap

        gz = igzip.GzipFile(fileobj=_RawAdapter(blob), mode="rb")  # type: ignore[no-untyped-call]
        with gz:
            yield cast(BinaryIO, gz)
    else:
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(
            cast(BinaryIO, blob), read_across_frames=True, closefd=False
        )
        with reader:
            yield cast(BinaryIO, reader)


def _decompression_errors() -> tuple[type[BaseException], ...]:
    """What a broken compressed stream raises (evaluated only while handling an exception)."""
    import zstandard
    from isal import igzip_lib

    return (EOFError, gzip.BadGzipFile, cast(type[BaseException], igzip_lib.IsalError), zstandard.ZstdError)
