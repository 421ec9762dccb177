"""THE table of ``kitj`` verbs with kit's flags, and the argparse parsers built from it.

Flags follow kit (cobra/pflag): flags may come before or after arguments, short flags combine
(``-oi``, ``-vvv``), booleans take ``--flag=false``, and the global flags (``--config``, ``-v``,
``--log-level``, ``--progress``) are accepted by every verb.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

__all__ = [
    "PROG",
    "UsageError",
    "Verb",
    "build_parser",
    "global_value_flags",
    "normalize_booleans",
    "overview",
    "unknown_verb",
    "verbs",
]

PROG = "kitj"


class UsageError(Exception):
    """The command line is wrong; ``str()`` says what and how to get help."""


@dataclass(frozen=True)
class Opt:
    flags: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def opt(*flags: str, **kwargs: Any) -> Opt:
    return Opt(tuple(flags), kwargs)


def flag(*flags: str, help: str, dest: str | None = None, default: bool | None = False) -> Opt:
    """A pflag boolean: ``--x`` sets it, ``--x=false`` (rewritten to ``--no-x``) clears it."""
    kwargs: dict[str, Any] = {"action": "store_const", "const": True, "default": default, "help": help}
    if dest:
        kwargs["dest"] = dest
    return Opt(tuple(flags), kwargs)


@dataclass(frozen=True)
class Verb:
    name: str
    summary: str
    options: tuple[Opt, ...]
    examples: tuple[str, ...] = ()


# The flag tables below keep one row per option (`# fmt: skip`): read down the flags like kit's --help.
GLOBAL = (
    opt("--config", metavar="PATH", help="alternate path to the storage root (default $KITOPS_HOME)"),
    opt("-v", "--verbose", action="count", default=0, help="more output: -v debug, -vv trace, -vvv also no progress"),
    opt("--log-level", choices=("trace", "debug", "info", "warn", "error"), default="info", help="show messages at this level and above"),
    opt("--progress", choices=("none", "plain", "fancy"), default="plain", help="progress on a terminal's stderr (none to turn off)"),
)  # fmt: skip
NETWORK = (
    flag("--plain-http", default=None, help="use plain HTTP (default: only for 127.0.0.1/localhost registries)"),
    opt("--tls-verify", dest="tls_verify", action="store_const", const=True, default=True,
        help="verify TLS certificates (default true; --tls-verify=false to skip)"),
    opt("--tls-cert", metavar="PEM", help="extra CA certificate(s) to trust"),
    opt("--cert", "--client-cert", dest="cert", metavar="PEM", help="client certificate for mutual TLS (default $KITOPS_CLIENT_CERT)"),
    opt("--key", "--client-key", dest="key", metavar="PEM", help="the client certificate's key (default $KITOPS_CLIENT_KEY)"),
    opt("--concurrency", type=int, default=5, metavar="N", help="simultaneous uploads/downloads (default 5)"),
    opt("--proxy", metavar="URL", help="proxy for registry connections (overrides the environment)"),
)  # fmt: skip
BOOLEANS = ("plain-http", "tls-verify", "remote")  # flags that take =true/=false
REFERENCE = opt("reference", metavar="MODELKIT", help="[registry/]repository[:tag|@digest]")

# One entry per verb, one row per option (`# fmt: skip`, as above).
_VERBS = (
    Verb("init", "Generate a Kitfile for the contents of a directory", (
        opt("path", metavar="PATH", help="directory to describe"),
        opt("--name", default="", help="name for the ModelKit"),
        opt("--desc", default="", help="description for the ModelKit"),
        opt("--author", default="", help="author for the ModelKit"),
        opt("-f", "--force", action="store_true", help="overwrite an existing Kitfile"),
    ), ("kitj init .", "kitj init ./my-project --name churn --author Ada --force")),
    Verb("pack", "Pack a ModelKit into local storage", (
        opt("directory", metavar="DIRECTORY", help="context directory"),
        opt("-f", "--file", metavar="KITFILE", help='Kitfile to use ("-" reads standard input)'),
        opt("-t", "--tag", metavar="REFERENCE", help="tag(s): registry/repository:tag1,tag2"),
        opt("--compression", choices=("none", "gzip", "gzip-fastest", "zstd"), default="none",
            help="layer compression (default none)"),
        opt("--push", action="store_true",
            help="stream the layers to the registry named by -t while packing, then push (also kept locally)"),
        *NETWORK,
    ), ("kitj pack . -t registry.example.com/org/model:v1", "kitj pack . -t registry.example.com/org/model:v1 --push")),
    Verb("unpack", "Extract a ModelKit (or some of its layers) into a directory", (
        REFERENCE,
        opt("-d", "--dir", default=".", metavar="DIRECTORY", help="target directory (created if missing)"),
        opt("-o", "--overwrite", action="store_true", help="overwrite existing files"),
        opt("-i", "--ignore-existing", action="store_true", help="skip files that already exist"),
        opt("-f", "--filter", action="append", default=[], metavar="TYPE[:NAME]",
            help="only these layers: model, datasets[:name], code, docs, prompts, kitfile (repeatable)"),
        *(flag(f"--{t}", dest=f"only_{t}", help=f"unpack only {t} (deprecated: use --filter={t})")
          for t in ("kitfile", "model", "code", "datasets", "docs")),
        *NETWORK,
    ), ("kitj unpack org/model:v1 -d out --filter model",)),
    Verb("push", "Upload a local ModelKit to a registry", (
        opt("source", metavar="SOURCE", help="local reference"),
        opt("destination", nargs="?", metavar="DESTINATION", help="remote reference (default: SOURCE)"),
        *NETWORK,
    ), ("kitj push registry.example.com/org/model:v1",)),
    Verb("pull", "Download a ModelKit into local storage", (REFERENCE, *NETWORK),
         ("kitj pull registry.example.com/org/model:v1",)),
    Verb("tag", "Give a local ModelKit another reference", (
        opt("source", metavar="SOURCE_MODELKIT", help="existing reference"),
        opt("target", metavar="TARGET_MODELKIT", help="new reference"),
    ), ("kitj tag org/model:v1 org/model:latest",)),
    Verb("list", "List local ModelKits, or the ModelKits of a remote repository", (
        opt("repository", nargs="?", metavar="REPOSITORY", help="registry/repository to list remotely"),
        opt("--format", default="table", help="table, json, or a Go template such as '{{ .Repo }}:{{ index .Tags 0 }}'"),
        *NETWORK,
    ), ("kitj list", "kitj list --format json", "kitj list --format '{{ .Repo }} {{ .Digest }}'")),
    Verb("inspect", "Show a ModelKit's manifest and Kitfile as JSON", (
        REFERENCE, flag("-r", "--remote", help="ask the registry instead of local storage"), *NETWORK,
    ), ("kitj inspect org/model:v1",)),
    Verb("info", "Show a ModelKit's Kitfile", (
        REFERENCE, flag("-r", "--remote", help="ask the registry instead of local storage"),
        opt("-f", "--filter", metavar="SELECTOR", help="only this node of the Kitfile, e.g. .model.path or package"),
        *NETWORK,
    ), ("kitj info org/model:v1",)),
    Verb("remove", "Remove ModelKits from local storage (or a registry with --remote)", (
        opt("reference", nargs="?", metavar="MODELKIT", help="registry/repository[:tag|@digest]"),
        opt("-f", "--force", action="store_true", help="remove the ModelKit and every tag pointing at it"),
        opt("-a", "--all", action="store_true", help="remove every untagged ModelKit (with --force: every ModelKit)"),
        flag("-r", "--remote", help="remove from the remote registry"),
        *NETWORK,
    ), ("kitj remove org/model:v1", "kitj remove --all")),
    Verb("diff", "Compare two ModelKits", (
        opt("first", metavar="MODELKIT1", help="[local://|remote://]reference"),
        opt("second", metavar="MODELKIT2", help="[local://|remote://]reference"),
        *NETWORK,
    ), ("kitj diff org/model:v1 org/model:v2",)),
    Verb("login", "Log in to a registry (password from a hidden prompt or --password-stdin)", (
        opt("registry", metavar="REGISTRY", help="host[:port]"),
        opt("-u", "--username", default="", help="registry username"),
        opt("-p", "--password", help="refused: a password on the command line is visible to other users"),
        opt("--password-stdin", action="store_true", help="read the password (or token) from standard input"),
        *NETWORK,
    ), ("kitj login registry.example.com -u ada", "echo $TOKEN | kitj login registry.example.com -u ada --password-stdin")),
    Verb("logout", "Forget the stored credentials for a registry", (
        opt("registry", metavar="REGISTRY", help="host[:port]"),
    ), ("kitj logout registry.example.com",)),
    Verb("version", "Show the version", (
        opt("--show-update-notifications", nargs="?", const="true", help="accepted for kit compatibility; kitj never checks for updates"),
    ), ("kitj version",)),
)  # fmt: skip


def verbs() -> dict[str, Verb]:
    """Every verb by name, in help order."""
    return {verb.name: verb for verb in _VERBS}


def global_value_flags() -> set[str]:
    """Global flags that take a value as the next word (so the verb is found after them)."""
    return {f for o in GLOBAL for f in o.flags if o.kwargs.get("action") is None}


class _Parser(argparse.ArgumentParser):
    """Raises :class:`UsageError` instead of exiting; help goes to stdout."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\nRun '{self.prog} --help' for usage.")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            raise UsageError(message.strip())
        raise SystemExit(status)

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            sys.stdout.write(message)


def build_parser(verb: Verb) -> argparse.ArgumentParser:
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in verb.examples) if verb.examples else None
    parser = _Parser(
        prog=f"{PROG} {verb.name}",
        description=verb.summary,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    for option in (*verb.options, *GLOBAL):
        parser.add_argument(*option.flags, **option.kwargs)
    for name in BOOLEANS:
        if f"--{name}" in parser._option_string_actions:
            dest = parser._option_string_actions[f"--{name}"].dest
            parser.add_argument(f"--no-{name}", dest=dest, action="store_false", help=argparse.SUPPRESS)
    return parser


def normalize_booleans(argv: Sequence[str]) -> list[str]:
    """pflag's ``--flag=true|false`` for boolean flags, as argparse-friendly ``--flag`` / ``--no-flag``."""
    out = []
    for word in argv:
        name, eq, value = word.partition("=")
        if eq and name.startswith("--") and name[2:] in BOOLEANS:
            lowered = value.lower()
            if lowered not in ("true", "false", "1", "0", "t", "f"):
                raise UsageError(f'invalid argument "{value}" for "{name}" flag: expected true or false')
            out.append(name if lowered in ("true", "1", "t") else f"--no-{name[2:]}")
        else:
            out.append(word)
    return out


def unknown_verb(word: str) -> UsageError:
    close = difflib.get_close_matches(word, list(verbs()), n=2, cutoff=0.6)
    hint = f"\n\nDid you mean this?\n\t{close[0]}" if close else ""
    return UsageError(f'unknown command "{word}" for "{PROG}"{hint}\nRun \'{PROG} --help\' for usage.')


def overview() -> str:
    from .. import __version__

    width = max(len(v) for v in verbs()) + 2
    lines = [
        f"{PROG}: the kit command line in pure Python (kitops-jupyter {__version__})",
        "",
        f"Usage:\n  {PROG} [command]",
        "",
        "Available commands:",
        *(f"  {v.name:<{width}}{v.summary}" for v in _VERBS),
        "",
        "Global flags (every command):",
        "  --config PATH      alternate storage root (default $KITOPS_HOME)",
        "  -v, --verbose      more output (-v, -vv, -vvv)",
        "  --log-level LEVEL  trace, debug, info, warn, error",
        "  --progress STYLE   none, plain, fancy (progress is drawn only on a terminal)",
        "",
        f"Use '{PROG} [command] --help' for more information about a command.",
    ]
    return "\n".join(lines) + "\n"
