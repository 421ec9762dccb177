"""ModelKit references parsed the way kit parses them (docs/format.md §5.1).

``registry/repository[:tag][@digest][,extra,tags]``. A first path component counts as a registry only
if it contains ``.`` or ``:``; otherwise the registry is ``localhost`` and the whole path is the
repository (``myorg/model`` -> ``localhost/myorg/model``; ``localhost/foo`` -> repository
``localhost/foo``). A bare digest names repository ``_`` in ``localhost``. A ``:tag`` before ``@`` is
dropped. The repository, tag and digest are then checked with the OCI distribution grammar that
oras-go applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import InvalidReference

__all__ = [
    "DEFAULT_REGISTRY",
    "DEFAULT_REPOSITORY",
    "Reference",
    "display_name",
    "is_valid_digest",
    "is_valid_tag",
    "parse_reference",
    "split_repo_key",
]

DEFAULT_REGISTRY = "localhost"
DEFAULT_REPOSITORY = "_"
EXAMPLE = "'myorg/mymodel:v1' or 'registry.example.com/myorg/mymodel:latest'"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$", re.ASCII)
_HOST = r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])"
_REGISTRY = re.compile(rf"^{_HOST}(?::[0-9]+)?$")
# go-digest: algorithm:encoded, with the encoding checked for the registered algorithms.
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_DIGEST = re.compile(r"^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")


@dataclass(frozen=True)
class Reference:
    """A parsed reference; exactly one of ``tag`` and ``digest`` is normally set."""

    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def repo_key(self) -> str:
        """``registry/repository``: the name of kit's per-repository index files."""
        return f"{self.registry}/{self.repository}"

    @property
    def ref(self) -> str:
        """The digest if there is one, else the tag (oras's ``Reference.Reference``)."""
        return self.digest or self.tag

    @property
    def is_local_only(self) -> bool:
        return self.registry == DEFAULT_REGISTRY

    def __str__(self) -> str:
        text = self.repo_key
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    def display(self) -> str:
        """The reference as kit shows it: without ``localhost/`` and the ``_`` placeholder."""
        return display_name(str(self))

    def with_tag(self, tag: str) -> Reference:
        return replace(self, tag=tag, digest="")

    def with_digest(self, digest: str) -> Reference:
        return replace(self, tag="", digest=digest)


def display_name(text: str) -> str:
    """kit's ``FormatRepositoryForDisplay``: strip ``localhost/``, then ``_``, then ``@``."""
    text = text.removeprefix(DEFAULT_REGISTRY + "/")
    text = text.removeprefix(DEFAULT_REPOSITORY)
    return text.removeprefix("@")


def is_valid_tag(tag: str) -> bool:
    return bool(_TAG.match(tag))


def is_valid_digest(text: str) -> bool:
    """True for ``algorithm:hex`` with a registered algorithm (sha256, sha384, sha512)."""
    match = _DIGEST.match(text)
    if not match:
        return False
    length = _DIGEST_LENGTHS.get(match.group(1))
    return length is not None and re.fullmatch(f"[a-f0-9]{{{length}}}", match.group(2)) is not None


def split_repo_key(repo_key: str) -> Reference:
    """``registry/repository`` (as stored in index file names) back into a tag-less Reference."""
    registry, sep, repository = repo_key.partition("/")
    if not sep or not repository:
        raise InvalidReference(
            f"invalid repository key {repo_key!r}: expected 'registry/repository', e.g. 'localhost/myorg/mymodel'"
        )
    _check_registry(repo_key, registry)
    if repository != DEFAULT_REPOSITORY:
        _check_repository(repo_key, repository)
    return Reference(registry, repository)


def parse_reference(text: str, *, default_tag: str | None = "latest") -> tuple[Reference, list[str]]:
    """Parse ``text`` like kit; returns the reference and the extra comma-separated tags.

    A reference with neither tag nor digest gets ``default_tag`` (``None`` leaves the tag empty).
    Raises :class:`InvalidReference` naming the part that is wrong.
    """
    if not text:
        raise _error(text, "the reference is empty")
    if is_valid_digest(text):
        return Reference(DEFAULT_REGISTRY, DEFAULT_REPOSITORY, digest=text), []
    first, *extra = text.split(",")
    registry, rest = _split_registry(first)
    repository, tag, digest = _split_ref(rest)
    _check_registry(text, registry)
    _check_repository(text, repository)
    if digest is not None:
        _check_digest(text, digest)
    elif tag is not None:
        _check_tag(text, tag, "tag")
    for extra_tag in extra:
        _check_tag(text, extra_tag, "extra tag")
    if tag is None and digest is None:
        tag = default_tag or ""
    return Reference(registry, repository, tag or "", digest or ""), extra


def _split_registry(text: str) -> tuple[str, str]:
    head, sep, tail = text.partition("/")
    if sep and ("." in head or ":" in head):
        return head, tail
    return DEFAULT_REGISTRY, text


def _split_ref(text: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)``, ``None`` where absent; a tag before ``@`` is dropped, as kit does."""
    repo, at, digest = text.partition("@")
    if at:
        return repo.partition(":")[0], None, digest
    repo, colon, tag = text.partition(":")
    return repo, tag if colon else None, None


def _check_registry(text: str, registry: str) -> None:
    if not _REGISTRY.match(registry):
        raise _error(text, f"registry {registry!r} is not a valid host[:port]")


def _check_repository(text: str, repository: str) -> None:
    if not repository:
        raise _error(text, "the repository name is missing")
    if repository.lower() != repository:
        raise _error(text, f"repository {repository!r} must be lowercase")
    if not (repository[0].isalnum() and repository[-1].isalnum()):
        raise _error(text, f"repository {repository!r} must start and end with a letter or number")
    if not _REPOSITORY.match(repository):
        raise _error(
            text,
            f"repository {repository!r} may only contain lowercase letters, digits and single "
            "'.', '_', '__' or '-' runs between them, with '/' between path components",
        )


def _check_digest(text: str, digest: str) -> None:
    if not is_valid_digest(digest):
        raise _error(
            text, f"digest {digest!r} is not valid; expected 'sha256:' followed by 64 lowercase hex digits"
        )


def _check_tag(text: str, tag: str, what: str) -> None:
    if not is_valid_tag(tag):
        raise _error(
            text,
            f"{what} {tag!r} is not valid; a tag is 1-128 letters, digits, '_', '.' or '-' and "
            "cannot start with '.' or '-'",
        )


def _error(text: str, problem: str) -> InvalidReference:
    return InvalidReference(f"invalid reference {text!r}: {problem}; use e.g. {EXAMPLE}")
