"""Scan files for secrets: text streamed in bounded blocks, notebooks cell by cell, Parquet string columns.

Nothing is skipped silently. Text of any size is read in blocks of :data:`BLOCK_CHARS` characters
(memory stays bounded; a cheap :func:`~.secrets.triggered` pass skips most of a large file at regex
speed); text formats such as CSV are read as text even when they hold NUL bytes. Parquet files are
read column batch by column batch (string columns; ``column`` and row number in each finding). Every
file that could not be read (binary formats, unreadable files, nested Parquet columns) is listed in
:attr:`SecretScan.unscanned` with the reason.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .secrets import (
    AWS_NEAR_LINES,
    CODE_SUFFIXES,
    LineMode,
    SecretFinding,
    aws_key_id_in,
    aws_secret_candidates,
    scan_line,
    scan_lines,
    triggered,
)

__all__ = ["BLOCK_CHARS", "SecretScan", "UnscannedFile", "scan_files", "scan_for_secrets", "scan_text"]

BLOCK_CHARS = 1 << 20  # text is read this many characters at a time; one longer line arrives in pieces
_OVERLAP = 512  # characters of a cut line carried into its next piece, so no token is cut in two
_SNIFF_BYTES = 8192  # a NUL byte in this prefix marks a file of unknown format as binary
_PARQUET_MAGIC = b"PAR1"
_PARQUET_BATCH_ROWS = 4096
# Text formats read as text even with NUL bytes in them (a CSV export with a stray NUL is still text).
_TEXT_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".json",
    ".jsonl",
    ".ndjson",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".env",
    ".properties",
    ".md",
    ".rst",
    ".xml",
    ".html",
    ".sql",
    ".log",
    ".sh",
    *CODE_SUFFIXES,
)


@dataclass(frozen=True)
class UnscannedFile:
    """A file (or part of one) the scan could not read, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path} ({self.reason})"


@dataclass
class SecretScan:
    """What a scan found, and what it could not look at."""

    findings: list[SecretFinding] = field(default_factory=list)
    unscanned: list[UnscannedFile] = field(default_factory=list)


# ---- text, streamed ---------------------------------------------------------------------------------


def _mode_for(rel: str) -> LineMode:
    name = rel.rsplit("/", 1)[-1].lower()
    return LineMode(
        code=name.endswith(CODE_SUFFIXES),
        dotenv=name == ".env" or name.startswith(".env.") or name.endswith(".env"),
        netrc=name in (".netrc", "_netrc"),
        docker=name == "config.json" or "/.docker/" in f"/{rel.lower()}",
        aws_credentials=name == "credentials"
        or "/.aws/" in f"/{rel.lower()}"
        or name.endswith("accesskeys.csv"),
    )


class _TextScanner:
    """Findings of one text stream, fed block by block (each block ends at a line end, or is a piece
    of one long line). Keeps only the last few lines for the access-key-id proximity rule."""

    def __init__(self, rel: str, mode: LineMode) -> None:
        self.rel, self.mode = rel, mode
        self.findings: list[SecretFinding] = []
        self._seen: set[tuple[int, str, str]] = set()
        self._recent: deque[tuple[int, str]] = deque(maxlen=AWS_NEAR_LINES)
        self._near_until = 0  # lines up to this number are next to an access key id

    def _add(self, number: int, found: Iterable[tuple[str, str]]) -> None:
        for kind, excerpt in found:
            if (number, kind, excerpt) not in self._seen:
                self._seen.add((number, kind, excerpt))
                self.findings.append(SecretFinding(self.rel, number, kind, excerpt))

    def block(self, text: str, first: int) -> None:
        """Scan whole lines ``text`` whose first line is number ``first``."""
        if not (self.mode.every_line or self._near_until >= first or triggered(text)):
            last = first + text.count("\n") - text.endswith("\n")  # number of the block's last line
            tail = text.removesuffix("\n").rsplit("\n", AWS_NEAR_LINES)[-AWS_NEAR_LINES:]
            self._recent.extend(zip(range(last - len(tail) + 1, last + 1), tail, strict=True))
            return
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        for number, line in enumerate(lines, start=first):
            self.line(number, line)

    def line(self, number: int, line: str) -> None:
        if self.mode.every_line or triggered(line):
            self._add(number, scan_line(line, self.mode))
        if aws_key_id_in(line):
            for before, text in self._recent:
                self._add(before, aws_secret_candidates(text))
            self._near_until = number + AWS_NEAR_LINES
        if self._near_until >= number or self.mode.aws_credentials:
            self._add(number, aws_secret_candidates(line))
        self._recent.append((number, line))


def _scan_stream(fh: IO[str], rel: str) -> list[SecretFinding]:
    """Blocks of whole lines; a line longer than a block arrives in pieces with the same number, each
    repeating the previous piece's tail."""
    scanner = _TextScanner(rel, _mode_for(rel))
    number, carry, tail = 1, "", ""
    while True:
        chunk = fh.read(BLOCK_CHARS)
        text = carry + chunk
        cut = len(text) if not chunk else text.rfind("\n") + 1
        if cut == 0 and len(text) >= BLOCK_CHARS:  # inside one long line
            scanner.line(number, tail + text)
            tail, carry = text[-_OVERLAP:], ""
            continue
        block, carry = tail + text[:cut], text[cut:]
        if block:
            scanner.block(block, number)
            number += block.count("\n")
        tail = ""
        if not chunk:
            return sorted(scanner.findings, key=lambda f: f.line)  # a key found before its id comes later


def scan_text(text: str, rel: str) -> list[SecretFinding]:
    """Findings in a text held in memory (a Kitfile given as a string), named ``rel``."""
    return [
        SecretFinding(rel, n, kind, excerpt)
        for n, kind, excerpt in scan_lines(text.splitlines(), _mode_for(rel))
    ]


def _scan_text_file(path: Path, rel: str, scan: SecretScan) -> None:
    if _mode_for(rel).dotenv:
        scan.findings.append(
            SecretFinding(rel, 0, "dotenv-file", "dotenv-file: environment file, usually holds secrets")
        )
    with path.open("r", encoding="utf-8", errors="replace") as fh:  # universal newlines: \r\n, \r, \n
        scan.findings.extend(_scan_stream(fh, rel))


# ---- notebooks ------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _output_texts(output: Any) -> Iterator[str]:
    if not isinstance(output, dict):
        return
    yield _cell_text(output.get("text"))
    yield "\n".join(t for t in output.get("traceback") or [] if isinstance(t, str))
    data = output.get("data")
    for mime, value in data.items() if isinstance(data, dict) else ():
        if mime.endswith("json") and not isinstance(value, (str, list)):
            yield json.dumps(value, indent=1)
        elif mime.startswith("text/") or mime.endswith("json"):
            yield _cell_text(value)


def _scan_notebook(path: Path, rel: str, scan: SecretScan) -> None:
    try:
        with path.open("rb") as fh:
            nb = json.load(fh)
    except ValueError:
        _scan_text_file(path, rel, scan)  # not a valid notebook: read it as text
        return
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        if not isinstance(cell, dict):
            continue
        source_mode = LineMode(code=cell.get("cell_type") == "code")
        for number, kind, excerpt in scan_lines(_cell_text(cell.get("source")).splitlines(), source_mode):
            scan.findings.append(SecretFinding(rel, number, kind, excerpt, cell=index))
        for output in cell.get("outputs") or []:
            for text in _output_texts(output):
                for number, kind, excerpt in scan_lines(text.splitlines(), LineMode()):
                    scan.findings.append(
                        SecretFinding(rel, number, kind, excerpt, cell=index, in_output=True)
                    )


# ---- Parquet ------------------------------------------------------------------------------------------------


def _string_columns(schema: Any) -> tuple[list[str], list[str]]:
    """(string columns, nested columns that may hold strings but are not read)."""
    import pyarrow.types as pat

    strings, nested = [], []
    for f in schema:
        kind = f.type.value_type if pat.is_dictionary(f.type) else f.type
        if pat.is_string(kind) or pat.is_large_string(kind):
            strings.append(f.name)
        elif pat.is_nested(kind):
            nested.append(f.name)
    return strings, nested


def _scan_parquet(path: Path, rel: str, scan: SecretScan) -> None:
    """Each string value is a line numbered by its row; an access key id anywhere in a row makes a lone
    40-character key in any column of that row count."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        scan.unscanned.append(UnscannedFile(rel, f"unreadable Parquet file: {exc}"))
        return
    strings, nested = _string_columns(parquet.schema_arrow)
    if nested:
        scan.unscanned.append(UnscannedFile(rel, f"nested Parquet columns not scanned: {', '.join(nested)}"))
    first_row = 1
    for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=strings) if strings else ():
        columns = {name: batch.column(name).to_pylist() for name in batch.schema.names}
        id_rows = {i for values in columns.values() for i, v in enumerate(values) if v and aws_key_id_in(v)}
        for name, values in columns.items():
            for i, value in enumerate(values):
                if not value:
                    continue
                found = scan_line(value, LineMode()) if triggered(value) else []
                found += list(aws_secret_candidates(value)) if i in id_rows else []
                scan.findings.extend(SecretFinding(rel, first_row + i, k, e, column=name) for k, e in found)
        first_row += batch.num_rows


# ---- files -------------------------------------------------------------------------------------------------


def _kind_of(path: Path, rel: str) -> str:
    """``notebook``, ``text``, ``parquet`` or ``binary`` (raises OSError when unreadable)."""
    low = rel.lower()
    if low.endswith(".ipynb"):
        return "notebook"
    if low.endswith(_TEXT_SUFFIXES):
        return "text"
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    return "binary" if b"\0" in head else "text"


_SCANNERS = {"notebook": _scan_notebook, "text": _scan_text_file, "parquet": _scan_parquet}


def scan_files(files: Iterable[tuple[str, Path]]) -> SecretScan:
    """Scan ``(name shown, path)`` pairs; the result lists findings and every file not (fully) read."""
    scan = SecretScan()
    for rel, path in files:
        try:
            kind = _kind_of(path, rel)
            if kind == "binary":
                scan.unscanned.append(UnscannedFile(rel, "binary"))
            else:
                _SCANNERS[kind](path, rel, scan)
        except OSError as exc:
            scan.unscanned.append(UnscannedFile(rel, f"unreadable: {exc.strerror or exc}"))
    return scan


def _files_under(path: Path) -> list[Path]:
    """Regular files at or under ``path`` (symbolic links are not followed nor scanned)."""
    if path.is_symlink() or not path.is_dir():
        return [path] if path.is_file() and not path.is_symlink() else []
    found = [Path(d, name) for d, _, names in os.walk(path) for name in names]
    return [f for f in found if not f.is_symlink()]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def scan_for_secrets(paths: Iterable[Path], root: Path) -> SecretScan:
    """Scan files (directories are walked; symbolic links are not followed); names relative to ``root``."""
    files = {_relative(path, root): path for given in paths for path in _files_under(Path(given))}
    return scan_files(sorted(files.items()))
