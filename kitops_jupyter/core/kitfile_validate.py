"""Kitfile validation as the newest kit runs it on every Kitfile it reads (docs/format.md §1.3).

Rules: layer paths are compared after Go's ``filepath.Clean`` (empty means ``.``) and must be unique;
absolute paths and paths that climb out of the context are rejected; ``http(s)://`` and other URLs are
rejected; ``s3://`` only as a dataset ``remotePath`` (which then needs ``remoteHash``); ModelKit
references only as ``model.path`` or a dataset ``remotePath``; nothing may live inside a remote
dataset's path; model part types match ``^[\\w][\\w.-]*$`` and are at most 64 characters; MCP servers
need a unique name and a ``.mcpb`` file. A ``manifestVersion`` other than ``1.0.0`` only warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kitops_jupyter.core.gopattern import go_clean
from kitops_jupyter.errors import KitfileError

if TYPE_CHECKING:
    from kitops_jupyter.core.kitfile_model import Kitfile

__all__ = ["go_clean", "is_modelkit_reference", "path_type", "validate"]

LOCAL, REFERENCE, S3, UNKNOWN = "local", "ModelKit reference", "S3", "unknown"
# Patterns, compiled by ``re`` on first use (and cached there): every pull imports this module for
# is_modelkit_reference, and compiling them up front cost a few ms that most pulls never need.
_PART_TYPE = r"[0-9A-Za-z_][0-9A-Za-z_.-]*"
_TAG = r"[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}"
_REPO = r"[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*)*"
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
_HOST_CHARS = r"[0-9A-Za-z\-_.~!$&'()*+,;=:\[\]<>\"\x80-\U0010ffff]*"


def _is_digest(text: str) -> bool:
    """go-digest ``Parse``: a registered algorithm and lowercase hex of its size."""
    algorithm, sep, encoded = text.partition(":")
    size = _DIGEST_HEX.get(algorithm)
    return bool(sep) and size is not None and re.fullmatch(f"[a-f0-9]{{{size}}}", encoded) is not None


def _valid_host(host: str) -> bool:
    """Go ``url`` host syntax: ``name[:port]`` or ``[ipv6][:port]``, no characters it must escape."""
    if host.startswith("["):
        end = host.rfind("]")
        name, port = (host[: end + 1], host[end + 1 :]) if end > 0 else ("", "")
        valid_name = re.fullmatch(r"\[[0-9A-Fa-f:.]+\]", name) is not None
    else:
        colon = host.rfind(":")
        port = host[colon:] if colon >= 0 else ""
        valid_name = re.fullmatch(_HOST_CHARS, host) is not None
    return valid_name and re.fullmatch(r"(:[0-9]*)?", port) is not None


def is_modelkit_reference(text: str) -> bool:
    """kit's ``IsModelKitReference``: has ``:`` or ``@`` and parses as ``registry/repo:tag|@digest``."""
    if ":" not in text and "@" not in text:
        return False
    if _is_digest(text):
        return True
    rest, registry = text.split(",")[0], "localhost"
    first, slash, tail = rest.partition("/")
    if slash and (":" in first or "." in first):
        registry, rest = first, tail
    if "@" in rest:
        repo, _, digest = rest.partition("@")
        repo, reference_ok = repo.partition(":")[0], _is_digest(digest)
    elif ":" in rest:
        repo, _, tag = rest.partition(":")
        reference_ok = re.fullmatch(_TAG, tag) is not None
    else:
        repo, reference_ok = rest, True
    repo_ok = repo.lower() == repo and re.fullmatch(_REPO, repo) is not None
    return reference_ok and repo_ok and bool(registry) and _valid_host(registry)


def path_type(path: str) -> tuple[str, str]:
    """kit's ``GetPathType``: (kind, problem); kind is local, ModelKit reference, S3 or unknown."""
    if is_modelkit_reference(path):
        return REFERENCE, ""
    scheme, host = _url_scheme_host(path)
    if scheme is None or (not scheme and not host):
        return LOCAL, ""  # kit treats what does not parse as a URL as a local path
    if scheme == "s3":
        return S3, ""
    if scheme in ("http", "https"):
        return UNKNOWN, f"HTTP URLs are not supported in paths ({path}); copy the files into the context"
    return UNKNOWN, f"unrecognized URL in path: {path}; use a path relative to the context directory"


def _url_scheme_host(text: str) -> tuple[str | None, str]:
    """Scheme and host as Go's ``url.Parse`` sees them; scheme ``None`` when it would fail."""
    if text.startswith(":") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return None, ""
    text = text.split("#", 1)[0]
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", text)
    scheme, rest = (match.group(1).lower(), text[match.end() :]) if match else ("", text)
    rest = rest.split("?", 1)[0]
    if scheme and not rest.startswith("/"):
        return scheme, ""  # opaque URL such as s3:bucket
    if not scheme and ":" in rest.split("/", 1)[0]:
        return None, ""  # "first path segment in URL cannot contain colon"
    host = ""
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, _, rest = rest[2:].partition("/")
        host = authority.rpartition("@")[2]
        if not _valid_host(host):
            return None, ""
    if re.search("%(?![0-9A-Fa-f]{2})", rest):
        return None, ""
    return scheme, host


@dataclass
class _Check:
    kf: Kitfile
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    paths: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # cleaned -> [(field, label)]
    remote_paths: list[str] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.errors.append((where, message))

    def add_path(self, where: str, path: str, label: str) -> None:
        self.paths.setdefault(go_clean(path), []).append((where, label))

    def local_only(self, where: str, path: str, allowed: tuple[str, ...] = (LOCAL,)) -> str:
        kind, problem = path_type(path)
        if problem:
            self.error(where, problem)
        elif kind not in allowed:
            self.error(
                where, f"{kind} paths are not allowed here ({path}); use a path inside the context directory"
            )
        return kind


def validate(kf: Kitfile, source: str = "Kitfile") -> list[str]:
    """Check ``kf``; return warnings, or raise one :class:`KitfileError` listing every problem."""
    check = _Check(kf)
    if kf.manifest_version != "1.0.0":
        check.warnings.append(
            f"Unrecognized manifestVersion {kf.manifest_version}: treating Kitfile as 1.0.0"
        )
    _check_model(check)
    _check_entries(check)
    _check_datasets(check)
    _check_mcp_servers(check)
    _check_paths(check)
    if check.errors:
        raise _error(check, source)
    return check.warnings


def _check_model(check: _Check) -> None:
    model = check.kf.model
    if model is None:
        return
    check.add_path("model.path", model.path, f"model {model.name}".rstrip())
    check.local_only("model.path", model.path, (LOCAL, REFERENCE))
    for i, part in enumerate(model.parts):
        where = f"model.parts[{i}]"
        check.add_path(f"{where}.path", part.path, f"modelpart {part.name}".rstrip())
        check.local_only(f"{where}.path", part.path)
        if part.type and not re.fullmatch(_PART_TYPE, part.type):
            check.error(
                f"{where}.type", f"type {part.type!r} is invalid: use letters, digits, '.', '-' and '_'"
            )
        if len(part.type.encode("utf-8")) > 64:
            check.error(f"{where}.type", "type is too long: use at most 64 characters")


def _check_entries(check: _Check) -> None:
    kf = check.kf
    groups: list[tuple[str, str, list[Any]]] = [
        ("code", "code layer", kf.code),
        ("docs", "docs layer", kf.docs),
        ("prompts", "prompt layer", kf.prompts),
    ]
    for section, label, entries in groups:
        for i, entry in enumerate(entries):
            check.add_path(f"{section}[{i}].path", entry.path, f"{label} {i}")
            check.local_only(f"{section}[{i}].path", entry.path)


def _check_datasets(check: _Check) -> None:
    for i, dataset in enumerate(check.kf.datasets):
        where = f"datasets[{i}]"
        check.add_path(f"{where}.path", dataset.path, f"dataset layer {i}")
        check.local_only(f"{where}.path", dataset.path)
        if not dataset.remote_path:
            if dataset.remote_hash:
                check.error(
                    f"{where}.remoteHash",
                    "remoteHash only applies when remotePath is set; add remotePath or remove it",
                )
            continue
        kind, problem = path_type(dataset.remote_path)
        if kind == S3 and not dataset.remote_hash:
            check.error(
                f"{where}.remoteHash", f"remoteHash is required for the S3 remotePath {dataset.remote_path}"
            )
        elif kind == REFERENCE:
            if dataset.remote_hash:
                check.warnings.append(
                    f"remoteHash is ignored for ModelKit references in datasets ({dataset.path})"
                )
            check.remote_paths.append(go_clean(dataset.path))
        elif kind != S3:
            detail = f" ({problem})" if problem else ""
            check.error(
                f"{where}.remotePath",
                f"only S3 URLs and ModelKit references can be remote dataset paths{detail}",
            )


def _check_mcp_servers(check: _Check) -> None:
    names: set[str] = set()
    for i, server in enumerate(check.kf.mcp_servers):
        where = f"mcpServers[{i}]"
        check.add_path(f"{where}.path", server.path, f"mcpServer layer {i}")
        kind = check.local_only(f"{where}.path", server.path)
        if kind == LOCAL and not server.path.endswith(".mcpb"):
            check.error(f"{where}.path", f"{server.path} must point to a single .mcpb file")
        if not server.name:
            check.error(f"{where}.name", "an MCP server needs a name")
        elif server.name in names:
            check.error(
                f"{where}.name",
                f"the name {server.name} is already used by another MCP server; names must be unique",
            )
        names.add(server.name)


def _check_paths(check: _Check) -> None:
    for cleaned, users in check.paths.items():
        where, label = users[0]
        if len(users) > 1:
            named = [f"{lbl} ({fld})" for fld, lbl in users]
            who = ", ".join(named[:-1]) + " and " + named[-1]
            check.error(users[-1][0], f"{who} use the same path {cleaned}; give each layer its own path")
        if cleaned.startswith("/"):
            check.error(
                where,
                f"absolute paths are not supported in a Kitfile (path {cleaned} in {label}); use a relative path",
            )
        elif path_type(cleaned)[0] == LOCAL and (cleaned == ".." or cleaned.startswith("../")):
            check.error(
                where, f"path {cleaned} is outside the context directory ({label}); keep layers inside it"
            )
        for remote in check.remote_paths:
            if remote != cleaned and _inside(remote, cleaned):
                check.error(
                    where, f"{label} uses a path ({cleaned}) inside the path of a remote dataset ({remote})"
                )


def _inside(base: str, target: str) -> bool:
    """True when Go's ``filepath.Rel(base, target)`` does not climb out (``..``) of ``base``."""
    base_parts = [] if base == "." else base.split("/")
    target_parts = [] if target == "." else target.split("/")
    common = 0
    while common < min(len(base_parts), len(target_parts)) and base_parts[common] == target_parts[common]:
        common += 1
    if common < len(base_parts):
        return False
    rest = target_parts[common:]
    return not rest or rest[0] != ".."


def _error(check: _Check, source: str) -> KitfileError:
    lines = check.kf.lines

    def line(where: str) -> int | None:
        found: int | None = lines.get(where) or lines.get(where.rsplit(".", 1)[0])
        return found

    if len(check.errors) == 1:
        where, message = check.errors[0]
        return KitfileError(f"{where}: {message}", source=source, line=line(where), field=where)
    listed = "\n".join(
        f"  * {'line ' + str(line(w)) + ', ' if line(w) else ''}{w}: {m}" for w, m in check.errors
    )
    first = check.errors[0][0]
    return KitfileError(f"{len(check.errors)} problems found:\n{listed}", source=source, field=first)
