"""The Kitfile: strict parsing, validation, YAML and JSON over the data model in :mod:`.kitfile_model`.

Mirrors ``pkg/artifact/kitfile.go`` (docs/format.md §1): YAML is read like yaml.v3 with
``KnownFields(true)`` and written like yaml.v3's encoder (:func:`dump_kitfile`); the config blob is
Go ``json.Marshal`` of the same structs with layer digests (:func:`config_json`, docs/format.md §2.2).

Empty string means "absent" for string fields; ``parameters is None`` means absent; ``layer`` holds
``digest``/``diffId`` and only ever appears in JSON. Field specs live in each field's ``metadata``
(see :mod:`.kitfile_codec`). ``Kitfile.lines`` maps field paths such as ``datasets[1].path`` to the
line they were read from, so later checks can point at the source.

YAML (PyYAML and the yaml.v3 emulation) is imported by the functions that read or write it:
listing, pushing and pulling read only config JSON (:mod:`.kitfile_json`), so a fresh process's
first remote call does not import them (issue 10).
"""

from __future__ import annotations

import os
from pathlib import Path

from kitops_jupyter.core import gojson
from kitops_jupyter.core.kitfile_json import JsonDecoder
from kitops_jupyter.core.kitfile_model import (
    CodeEntry,
    Dataset,
    DocEntry,
    Kitfile,
    LayerEntry,
    LayerInfo,
    McpServer,
    Model,
    ModelPart,
    Package,
    Prompt,
)
from kitops_jupyter.core.kitfile_validate import is_modelkit_reference, validate
from kitops_jupyter.errors import KitfileError, NotFound

__all__ = [
    "KITFILE_NAMES",
    "MAX_KITFILE_BYTES",
    "CodeEntry",
    "Dataset",
    "DocEntry",
    "Kitfile",
    "LayerEntry",
    "LayerInfo",
    "McpServer",
    "Model",
    "ModelPart",
    "Package",
    "Prompt",
    "config_json",
    "dump_kitfile",
    "find_kitfile",
    "is_modelkit_reference",
    "layer_entries",
    "load_kitfile",
    "parse_config_json",
    "parse_kitfile",
    "read_kitfile_bytes",
    "validate_kitfile",
]

KITFILE_NAMES = ("Kitfile", "kitfile", ".kitfile")


MAX_KITFILE_BYTES = 1 << 20  # a Kitfile describes files; 1 MiB is far beyond any real one


def _too_large(size: int, source: str) -> KitfileError:
    return KitfileError(
        f"the Kitfile is {size} bytes, more than the {MAX_KITFILE_BYTES} bytes (1 MiB) a Kitfile may have; "
        "keep data and long texts in files that the Kitfile lists instead",
        source=source,
    )


def parse_kitfile(text: str, source: str = "Kitfile") -> Kitfile:
    """Parse Kitfile YAML strictly, as kit's ``LoadModel`` does; raises :class:`KitfileError`.

    Texts over :data:`MAX_KITFILE_BYTES` are refused before parsing (they would take minutes and
    gigabytes); below it only aliases can make a document expand past the parser's node limit.
    """
    if len(text) > MAX_KITFILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_KITFILE_BYTES:
        raise _too_large(len(text.encode("utf-8", "surrogatepass")), source)
    from kitops_jupyter.core.kitfile_codec import decode_struct
    from kitops_jupyter.core.yamlv3_nodes import Decoder, compose_document, is_null

    node = compose_document(text.removeprefix("\ufeff"), source)
    if node is None or is_null(node):
        raise KitfileError("the Kitfile is empty; it needs at least `manifestVersion: 1.0.0`", source=source)
    decoder = Decoder(source)
    kitfile: Kitfile = decode_struct(Kitfile, node, decoder, "")
    kitfile.lines = decoder.lines
    return kitfile


def load_kitfile(path: Path) -> Kitfile:
    """Read and parse the Kitfile at ``path`` (UTF-8, or UTF-16 with a byte-order mark)."""
    source = str(path)
    return parse_kitfile(_decode_text(read_kitfile_bytes(path), source), source)


def read_kitfile_bytes(path: Path) -> bytes:
    """The bytes of the Kitfile at ``path``; one over :data:`MAX_KITFILE_BYTES` is refused unread."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_KITFILE_BYTES:
                raise _too_large(size, str(path))
            data = f.read(MAX_KITFILE_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(f"Kitfile {path} does not exist; check the path or create one with kit init") from None
    except OSError as err:
        raise KitfileError(f"cannot read the file: {err.strerror}", source=str(path)) from None
    if len(data) > MAX_KITFILE_BYTES:  # it grew while we looked
        raise _too_large(len(data), str(path))
    return data


def _decode_text(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise KitfileError(
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); save it as UTF-8",
            source=source,
            line=line,
        ) from None


def find_kitfile(context: Path) -> Path:
    """The Kitfile kit would use in ``context``: the first of ``Kitfile``, ``kitfile``, ``.kitfile``."""
    for name in KITFILE_NAMES:
        candidate = context / name
        if candidate.is_file():
            return candidate
    names = ", ".join(KITFILE_NAMES)
    raise NotFound(
        f"no Kitfile in {context} (looked for {names}); create one with kit init or name it explicitly"
    )


def validate_kitfile(kf: Kitfile, source: str = "Kitfile") -> list[str]:
    """Validate like the newest kit; returns warnings, raises :class:`KitfileError` with every problem."""
    return validate(kf, source)


def dump_kitfile(kf: Kitfile) -> str:
    """The Kitfile as kit writes it (yaml.v3, indent 2, declaration order, no digests)."""
    from kitops_jupyter.core.kitfile_codec import struct_to_fields
    from kitops_jupyter.core.yamlv3_emit import emit_document

    return emit_document(struct_to_fields(kf))


def config_json(kf: Kitfile) -> bytes:
    """The config blob: Go ``json.Marshal`` of the Kitfile including ``digest``/``diffId``."""
    from kitops_jupyter.core.kitfile_codec import struct_to_json

    return gojson.dumps(struct_to_json(kf))


def parse_config_json(data: bytes, source: str) -> Kitfile:
    """Read a config blob back like Go ``json.Unmarshal`` (unknown keys ignored, numbers as floats)."""
    decoder = JsonDecoder(source)
    obj = decoder.load(data)
    if obj is None:
        return Kitfile()
    kitfile: Kitfile = decoder.struct(Kitfile, obj, "")
    return kitfile


def layer_entries(kf: Kitfile) -> list[tuple[str, LayerEntry]]:
    """``(base type, entry)`` for every entry that becomes a layer, in kit's pack order."""
    entries: list[tuple[str, LayerEntry]] = []
    if kf.model is not None:
        if kf.model.path and not is_modelkit_reference(kf.model.path):
            entries.append(("model", kf.model))
        entries.extend(("modelpart", part) for part in kf.model.parts)
    entries.extend(("code", entry) for entry in kf.code)
    entries.extend(("dataset", entry) for entry in kf.datasets if not entry.remote_path)
    entries.extend(("docs", entry) for entry in kf.docs)
    entries.extend(("code", entry) for entry in kf.prompts)
    return entries
