"""THE table of ``%kit`` verbs: it builds the parsers, the help text, completion and "did you mean".

Each :class:`Verb` lists its options as :class:`Opt` rows in ``argparse.add_argument`` terms, with
kit's flag names so a line copies between terminal and notebook. ``complete`` on an option tells the
completer what to offer for its value (``reference``, ``variable``, ``dataframe``, ``filter``, …).
Nothing else in the package names a verb or a flag.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..errors import InvalidArgument
from . import handlers, kernel, login, signing
from .config import COMPRESSIONS
from .context import Context
from .parser import CommandError, KitArgumentParser, did_you_mean

__all__ = ["CELL_MAGICS", "Opt", "Verb", "all_verbs", "build_parser", "overview"]

Handler = Callable[[Context, argparse.Namespace], object]


@dataclass(frozen=True)
class Opt:
    """One argument: ``flags`` as for ``add_argument``; ``complete`` names what its values are."""

    flags: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    complete: str = ""

    @property
    def positional(self) -> bool:
        return not self.flags[0].startswith("-")


def opt(*flags: str, complete: str = "", **kwargs: Any) -> Opt:
    return Opt(tuple(flags), kwargs, complete)


@dataclass(frozen=True)
class Verb:
    name: str
    summary: str
    options: tuple[Opt, ...]
    run: Handler | None
    examples: tuple[str, ...] = ()
    notebook_only: bool = False
    hide_values: bool = False  # never repeat a word of the line in an error (it may be a password)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value!r}")
    return number


def _tls_verify(value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")
    return lowered in ("true", "1")


# The flag tables below keep one row per option (`# fmt: skip`): read down the flags like kit's --help.
NETWORK = (
    opt("--plain-http", action="store_const", const=True, default=None,
        help="use HTTP instead of HTTPS (automatic for 127.0.0.1/localhost registries)"),
    opt("--tls-verify", nargs="?", const=True, default=True, type=_tls_verify, metavar="BOOL",
        help="verify the registry's TLS certificate (--tls-verify=false to skip; default true)"),
    opt("--tls-cert", metavar="PEM", complete="path", help="extra CA certificate(s) to trust"),
    opt("--client-cert", metavar="PEM", complete="path",
        help="client certificate for registries that require mutual TLS (default: $KITOPS_CLIENT_CERT)"),
    opt("--client-key", metavar="PEM", complete="path", help="the client certificate's private key ($KITOPS_CLIENT_KEY)"),
    opt("--concurrency", type=_positive, metavar="N", help="blobs transferred in parallel (default: %%config value, 5)"),
)  # fmt: skip
KERNEL = (
    opt("--from-kernel", action="store_true",
        help="build the Kitfile from the kernel's DataFrames, fitted models, notebook and imports"),
    opt("--dataset", action="append", metavar="NAME=VAR", complete="dataframe",
        help="a DataFrame variable to pack as dataset NAME (repeatable; implies --from-kernel)"),
    opt("--model", action="append", metavar="VAR", complete="variable",
        help="a fitted model variable (repeatable; the first is the model, others become parts)"),
    opt("--notebook", metavar="PATH", complete="path", help="the notebook to include (found automatically in JupyterLab)"),
    opt("--no-notebook", action="store_true", help="leave the notebook out"),
    opt("--no-requirements", action="store_true", help="leave requirements.txt out"),
    opt("--dataset-format", choices=("parquet", "csv"), default="parquet", help="file format for DataFrames"),
    opt("--name", help="package name (default: the notebook or directory name)"),
    opt("--desc", help="package description"),
    opt("--author", action="append", help="package author (repeatable)"),
    opt("--version", help="package version"),
    opt("--license", help="package license (SPDX id)"),
)  # fmt: skip
ALLOW_SECRETS = opt(
    "--allow-secrets", action="store_true", help="pack even if the secret scan finds something"
)
COMPRESSION = opt(
    "--compression",
    choices=COMPRESSIONS,
    default=None,
    help="layer compression (default: %%config KitMagics.compression, none)",
)
REFERENCE = opt(
    "reference", metavar="REFERENCE", complete="reference", help="registry/repository:tag or @digest"
)


def _init(ctx: Context, args: argparse.Namespace) -> object:
    if kernel.wants_kernel(args):
        return kernel.init_from_kernel(ctx, args)
    kernel.refuse_kernel_only("init", args, used=("name", "desc", "author"))
    return handlers.init(ctx, args)


def _help(ctx: Context, args: argparse.Namespace) -> None:
    print(overview(ctx) if not args.topic else build_parser(find_verb(args.topic)).format_help())


def find_verb(name: str) -> Verb:
    """The verb called ``name``, or a CommandError with "did you mean"."""
    verbs = all_verbs()
    if name in verbs:
        return verbs[name]
    if name == "kitfile":
        raise CommandError("kitfile is a cell magic: start a cell with %%kitfile DIRECTORY, then the Kitfile")
    hint = did_you_mean(name, verbs) or " Run %kit alone to see them all."
    raise CommandError(f"%kit: unknown verb {name!r}.{hint}")


def _pack(ctx: Context, args: argparse.Namespace) -> object:
    if kernel.wants_kernel(args):
        return kernel.pack_from_kernel(ctx, args)
    kernel.refuse_kernel_only("pack", args)
    return handlers.pack(ctx, args)


# One entry per verb, one row per option (`# fmt: skip`, as above).
_VERB_LIST = (
    Verb("init", "Write a Kitfile for a directory, or from the kernel's variables", (
        opt("directory", nargs="?", metavar="DIRECTORY", complete="path",
            help="directory to describe (default: '.', or 'modelkit' with --from-kernel)"),
        opt("--force", action="store_true", help="overwrite an existing Kitfile"),
        *KERNEL,
    ), _init, ("%kit init .", "%kit init modelkit --from-kernel --dataset train=df --model clf")),
    Verb("pack", "Pack a directory (or the kernel's variables) into a local ModelKit", (
        opt("directory", nargs="?", metavar="DIRECTORY", complete="path", help="context directory (default '.')"),
        opt("-t", "--tag", metavar="REFERENCE", complete="reference", help="reference(s) to tag it with: repo:tag[,tag2]"),
        opt("-f", "--file", metavar="KITFILE", complete="path", help="Kitfile to use (default: DIRECTORY/Kitfile)"),
        COMPRESSION, ALLOW_SECRETS,
        opt("--no-cache", action="store_true", help="read every file again (no layer cache)"),
        opt("--push", action="store_true", help="stream the layers to the tag's registry while packing, then push"),
        opt("--use-model-pack", action="store_true", help="write a CNCF ModelPack (model-spec) ModelKit"),
        *NETWORK,
        opt("--yes", action="store_true", help="with kernel variables: pack now, without the review cell"),
        *KERNEL,
    ), _pack, ("mk = %kit pack . -t myorg/model:v1", "%kit pack --model clf --dataset train=df -t myorg/model:v1")),
    Verb("push", "Upload a local ModelKit to a registry", (
        opt("source", metavar="SOURCE", complete="reference", help="local reference"),
        opt("destination", nargs="?", metavar="DESTINATION", complete="reference", help="remote reference (default: SOURCE)"),
        *NETWORK,
    ), handlers.push, ("%kit push 127.0.0.1:5050/myorg/model:v1",)),
    Verb("pull", "Download a ModelKit into the local store", (REFERENCE, *NETWORK), handlers.pull,
         ("%kit pull 127.0.0.1:5050/myorg/model:v1",)),
    Verb("unpack", "Extract a ModelKit (or some of its layers) into a directory", (
        REFERENCE,
        opt("-d", "--dir", metavar="DIRECTORY", complete="path", help="where to unpack (default '.')"),
        opt("--filter", action="append", metavar="TYPE[:NAME]", complete="filter",
            help="only these layers: model, datasets[:name], code, docs, prompts, kitfile (repeatable)"),
        opt("-o", "--overwrite", action="store_true", help="replace existing files"),
        opt("-i", "--ignore-existing", action="store_true", help="skip files that already exist"),
        *NETWORK,
    ), handlers.unpack, ("%kit unpack myorg/model:v1 -d out --filter model",)),
    Verb("list", "List local ModelKits, or the tags of a remote repository", (
        opt("repository", nargs="?", metavar="REPOSITORY", complete="reference", help="remote registry/repository"),
        opt("--format", default="table", help="table, json, or a Go template such as '{{ .Repo }}:{{ index .Tags 0 }}'"),
        *NETWORK,
    ), handlers.list_, ("%kit list", "%kit list 127.0.0.1:5050/myorg/model")),
    Verb("inspect", "Show a ModelKit's manifest and Kitfile", (
        REFERENCE, opt("-r", "--remote", action="store_true", help="ask the registry"), *NETWORK,
    ), handlers.inspect, ("%kit inspect myorg/model:v1",)),
    Verb("info", "Show a ModelKit's Kitfile", (
        REFERENCE, opt("-r", "--remote", action="store_true", help="ask the registry"), *NETWORK,
    ), handlers.info, ("%kit info myorg/model:v1 --remote",)),
    Verb("diff", "Compare two ModelKits layer by layer", (
        opt("first", metavar="REFERENCE1", complete="reference", help="[local://|remote://]reference"),
        opt("second", metavar="REFERENCE2", complete="reference", help="[local://|remote://]reference"),
        opt("--data", action="store_true", help="also compare tabular datasets: schema, rows, column summaries"),
        *NETWORK,
    ), handlers.diff, ("%kit diff myorg/model:v1 myorg/model:v2", "%kit diff myorg/data:v1 myorg/data:v2 --data")),
    Verb("tag", "Give a local ModelKit another reference", (
        opt("source", metavar="SOURCE", complete="reference", help="existing local reference"),
        opt("target", metavar="TARGET", complete="reference", help="new reference"),
    ), handlers.tag, ("%kit tag myorg/model:v1 myorg/model:latest",)),
    Verb("remove", "Remove a ModelKit from the local store (or a registry with --remote)", (
        opt("reference", nargs="?", metavar="REFERENCE", complete="reference", help="reference to remove"),
        opt("-a", "--all", action="store_true", help="remove every untagged ModelKit"),
        opt("-f", "--force", action="store_true", help="remove even if other tags point at it"),
        opt("-r", "--remote", action="store_true", help="delete from the registry"),
        *NETWORK,
    ), handlers.remove, ("%kit remove myorg/model:v1",)),
    Verb("login", "Log in to a registry (the password is asked with a hidden prompt)", (
        opt("registry", nargs="?", metavar="REGISTRY", complete="registry", help="host[:port] (default: %%config default_registry)"),
        opt("-u", "--username", help="user name (asked if missing)"),
        opt("-p", "--password", action=login.RefusePassword, help="refused: a cell is saved, so a password never goes in it"),
        opt("--password-stdin", action="store_true", help="read the password from the kernel's input prompt (hidden; the default)"),
        *NETWORK,
    ), login.login, ("%kit login 127.0.0.1:5050 -u alice",), hide_values=True),
    Verb("logout", "Forget the stored credentials for a registry", (
        opt("registry", nargs="?", metavar="REGISTRY", complete="registry", help="host[:port]"),
    ), login.logout, ("%kit logout 127.0.0.1:5050",)),
    Verb("sign", "Sign a ModelKit in its registry so `cosign verify` accepts it (or --generate-key)", (
        opt("reference", nargs="?", metavar="REFERENCE", complete="reference",
            help="registry/repository:tag to sign (with --generate-key: the directory for the key pair)"),
        opt("--key", metavar="KEY", complete="path", help="cosign private key (cosign.key) or PEM ECDSA P-256 key"),
        opt("--generate-key", action="store_true",
            help="write cosign.key (encrypted) and cosign.pub; the password is asked, or $COSIGN_PASSWORD"),
        opt("--provenance", action="store_true",
            help="attach SLSA provenance: this notebook's digest, the datasets, the imported packages"),
        opt("--notebook", metavar="PATH", complete="path", help="the notebook to name in the provenance"),
        opt("--no-notebook", action="store_true", help="leave the notebook out of the provenance"),
        opt("--password", action=signing.RefuseKeyPassword,
            help="refused: the password comes from the hidden prompt or $COSIGN_PASSWORD"),
        *NETWORK,
    ), signing.sign, ("%kit sign --generate-key", "%kit sign 127.0.0.1:5050/myorg/model:v1 --key cosign.key --provenance")),
    Verb("verify", "Check a ModelKit's cosign signature with a public key", (
        REFERENCE,
        opt("--key", metavar="KEY", complete="path", help="the signer's public key (default: %%config KitMagics.verify_key)"),
        opt("--provenance", action="store_true", help="also return the verified SLSA provenance"),
        *NETWORK,
    ), signing.verify, ("%kit verify 127.0.0.1:5050/myorg/model:v1 --key cosign.pub",)),
    Verb("load", "Load a dataset of a ModelKit into a pandas DataFrame", (
        REFERENCE,
        opt("--dataset", metavar="NAME", help="dataset name or path (needed when there are several)"),
        opt("--allow-pickle", action="store_true", help="allow loading pickled data (runs code; only for trusted sources)"),
        *NETWORK,
    ), kernel.load, ("df = %kit load myorg/model:v1 --dataset train",), notebook_only=True),
    Verb("help", "Show this overview, or a verb's flags", (
        opt("topic", nargs="?", metavar="VERB", complete="verb", help="a verb"),
    ), _help, ("%kit help pack",), notebook_only=True),
)  # fmt: skip


def _show_panel(ctx: Context, args: argparse.Namespace) -> None:
    """The panel displays itself; returning it too would show it twice.

    The package root hands the panel in when it loads the magics: adapters never import each other.
    """
    if ctx.show_panel is None:
        raise InvalidArgument(
            "the widget panel is not available here: load the magics with %load_ext kitops_jupyter"
        )
    ctx.show_panel(ctx.namespace, kit=ctx.kit())


def _panel_verb() -> tuple[Verb, ...]:
    return (Verb("panel", "Open the ModelKit widget panel", (), _show_panel, ("%kit panel",), True),)


@cache
def all_verbs() -> dict[str, Verb]:
    """Every ``%kit`` verb by name, in help order."""
    return {verb.name: verb for verb in (*_VERB_LIST, *_panel_verb())}


# One entry per cell magic, one row per option (`# fmt: skip`, as above).
CELL_MAGICS = {
    "kitfile": Verb("%%kitfile", "Validate the cell as a Kitfile, save it in DIRECTORY, pack it with -t", (
        opt("directory", nargs="?", metavar="DIRECTORY", complete="path", help="where to save the Kitfile (default '.')"),
        opt("-t", "--tag", metavar="REFERENCE", complete="reference", help="pack after saving, with this reference"),
        opt("--pack", action="store_true", help="pack after saving (untagged unless -t)"),
        COMPRESSION, ALLOW_SECRETS,
    ), None, ("%%kitfile modelkit -t myorg/model:v1",), True),
    "kit": Verb("%%kit", "Run several %kit lines, one per line ({var} and $var expand)", (), None,
                ("%%kit\npack . -t myorg/model:v1\npush myorg/model:v1",), True),
}  # fmt: skip


def build_parser(verb: Verb) -> KitArgumentParser:
    """The argparse parser of one verb, built from its table row."""
    prog = verb.name if verb.name.startswith("%") else f"%kit {verb.name}"
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in verb.examples) if verb.examples else None
    parser = KitArgumentParser(
        prog=prog,
        description=verb.summary,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        hide_values=verb.hide_values,
    )
    for option in verb.options:
        parser.add_argument(*option.flags, **option.kwargs)
    return parser


def overview(ctx: Context | None = None) -> str:
    """``%kit`` alone: every verb with its one-line summary, then where to go next."""
    from .._version import __version__

    width = max(len(name) for name in all_verbs()) + 2
    kit_verbs = [v for v in all_verbs().values() if not v.notebook_only]
    extra = [v for v in all_verbs().values() if v.notebook_only]
    lines = [f"%kit VERB [ARGS]: the kit CLI inside the notebook (kitops-jupyter {__version__})", ""]
    lines += ["kit verbs (same words and flags as the kit CLI):"]
    lines += [f"  {v.name:<{width}}{v.summary}" for v in kit_verbs]
    lines += ["", "notebook verbs:"] + [f"  {v.name:<{width}}{v.summary}" for v in extra]
    lines += ["", "cell magics:"] + [f"  {v.name:<{width + 2}}{v.summary}" for v in CELL_MAGICS.values()]
    lines += ["", "Run `%kit VERB --help` for a verb's flags. Arguments expand {var} and $var."]
    if ctx is not None:
        lines.append(f"Defaults (%config KitMagics): {ctx.options.summary()}")
    return "\n".join(lines)
