"""One function per ``kitj`` verb: parsed flags in, one ``api`` call, kit's output lines out.

The lines scripts read are kit's: ``Model saved: sha256:…`` after pack, ``Pushed``/``Pulled
sha256:…``, ``Removed REF (digest sha256:…)``, ``kit list``'s table, JSON and Go-template formats,
``kit inspect``'s JSON, ``kit info``'s YAML and ``kit diff``'s report.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from .. import api
from ..errors import InvalidArgument
from .console import Console
from .password import read_password

__all__ = ["HANDLERS", "Session"]


@dataclass
class Session:
    """What every verb needs: where output goes and how to build the ``api.Kit``."""

    console: Console
    args: argparse.Namespace

    def kit(self) -> api.Kit:
        args = self.args
        if getattr(args, "proxy", None):
            os.environ["HTTPS_PROXY"] = os.environ["HTTP_PROXY"] = args.proxy
        network = api.NetworkOptions(
            plain_http=getattr(args, "plain_http", None),
            tls_verify=getattr(args, "tls_verify", True),
            ca_bundle=getattr(args, "tls_cert", None),
            concurrency=getattr(args, "concurrency", 5),
            client_cert=getattr(args, "cert", None),
            client_key=getattr(args, "key", None),
        )
        kit = api.Kit(Path(args.config).resolve() if args.config else None, network=network)
        self.console.debug(f"Using storage path: {kit.home / 'storage'}")
        return kit


# -- local verbs ---------------------------------------------------------------------------------


def init(s: Session, args: argparse.Namespace) -> None:
    generated = s.kit().init(
        args.path, name=args.name, description=args.desc, author=args.author, force=args.force
    )
    for item in generated.left_out:
        s.console.warn(f"Left out {item.path}: {item.reason}")
    s.console.info(f"Generated Kitfile:\n\n{api.kitfile_text(generated.kitfile)}")
    s.console.info(f"Saved to path '{Path(args.path) / 'Kitfile'}'")


def pack(s: Session, args: argparse.Namespace) -> None:
    kit = s.kit()
    if args.file == "-" and sys.stdin.isatty():
        raise InvalidArgument("pack -f -: no Kitfile piped on standard input; pipe one in or give its path")
    kitfile_text = sys.stdin.read() if args.file == "-" else None
    kitfile = None if args.file == "-" else args.file
    with s.console.progress(f"Packing {args.tag or args.directory}") as progress:
        result = kit.pack(
            args.directory,
            tag=args.tag,
            kitfile=kitfile,
            kitfile_text=kitfile_text,
            compression=args.compression,
            progress=progress,
            warn=s.console.warn,
            push=args.push,
        )
    s.console.info(f"Model saved: {result.digest}")
    if result.pushed is not None:
        s.console.info(f"Pushed {result.pushed.digest}")


def list_(s: Session, args: argparse.Namespace) -> None:
    infos = s.kit().list_modelkits(args.repository)
    if args.repository:  # kit shows a remote listing's repository without its registry
        infos = [replace(info, repo=info.repo.partition("/")[2] or info.repo) for info in infos]
    s.console.data(api.format_list(infos, args.format))


def inspect(s: Session, args: argparse.Namespace) -> None:
    s.console.data(api.inspect_text(s.kit().inspect(args.reference, remote=bool(args.remote))))


def info(s: Session, args: argparse.Namespace) -> None:
    kitfile = s.kit().info(args.reference, remote=bool(args.remote))
    s.console.data(api.kitfile_text(kitfile, args.filter))


def diff(s: Session, args: argparse.Namespace) -> None:
    result = s.kit().diff(args.first, args.second)
    s.console.data(api.diff_text(result, args.first, args.second))


def tag(s: Session, args: argparse.Namespace) -> None:
    s.kit().tag(args.source, args.target)
    s.console.info(f"Modelkit {args.source} tagged as {args.target}")


def remove(s: Session, args: argparse.Namespace) -> None:
    _check_remove_args(args)
    kit = s.kit()
    if args.remote:
        s.console.info(kit.remove_remote(args.reference))
        return
    if args.all:
        for result in kit.remove(all=True, force=args.force):
            repo = api.display_reference(result.repo_key) or "<none>"
            for name in result.untagged:
                s.console.info(f"Untagged {repo}:{name}")
            s.console.info(f"Removed {repo}@{result.digest}")
        return
    for result in kit.remove(args.reference, force=args.force):
        shown = api.display_reference(result.repo_key)
        names = [f"{shown}:{name}" for name in result.untagged] if not _is_digest(args.reference) else []
        s.console.info(f"Removed {', '.join(names) or args.reference} (digest {result.digest})")


def _is_digest(reference: str) -> bool:
    return "@" in reference or reference.startswith("sha256:")


def _check_remove_args(args: argparse.Namespace) -> None:
    if not args.reference and not args.all:
        raise InvalidArgument("modelkit is required for remove unless --all is specified")
    if args.reference and args.all:
        raise InvalidArgument("modelkit should not be specified when --all flag is used")
    if args.remote and (args.force or args.all):
        raise InvalidArgument("cannot use --all or --force with --remote")


def unpack(s: Session, args: argparse.Namespace) -> None:
    filters = list(args.filter)
    if not filters:
        filters = [t for t in ("kitfile", "model", "code", "datasets", "docs") if getattr(args, f"only_{t}")]
    target = Path(args.dir).resolve()
    s.console.info(f"Unpacking to {target}")
    with s.console.progress(f"Unpacking {args.reference}") as progress:
        s.kit().unpack(
            args.reference,
            target,
            filters=filters,
            overwrite=args.overwrite,
            ignore_existing=args.ignore_existing,
            progress=progress,
        )


# -- registry verbs ------------------------------------------------------------------------------


def push(s: Session, args: argparse.Namespace) -> None:
    kit = s.kit()
    shown = f"{args.source} to {args.destination}" if args.destination else args.source
    s.console.info(f"Pushing {shown}")
    with s.console.progress(f"Pushing {args.destination or args.source}") as progress:
        result = kit.push(args.source, args.destination, progress=progress)
    s.console.info(f"Pushed {result.digest}")


def pull(s: Session, args: argparse.Namespace) -> None:
    kit = s.kit()
    s.console.info(f"Pulling {args.reference}")
    with s.console.progress(f"Pulling {args.reference}") as progress:
        found = kit.pull(args.reference, progress=progress)
    s.console.info(f"Pulled {found.digest}")


def login(s: Session, args: argparse.Namespace) -> None:
    if args.password is not None:
        raise InvalidArgument(
            "kitj refuses -p/--password: a password on the command line is visible to other users and "
            "kept in shell history; use --password-stdin or answer the hidden prompt"
        )
    username, password = read_password(args.username, args.password_stdin)
    s.kit().login(args.registry, username, password)
    s.console.info("Log in successful")


def logout(s: Session, args: argparse.Namespace) -> None:
    s.console.info(s.kit().logout(args.registry))


def version(s: Session, args: argparse.Namespace) -> None:
    from .. import __version__

    if args.show_update_notifications is not None:
        s.console.info("kitj never checks for updates; nothing to change")
        return
    python = ".".join(str(part) for part in sys.version_info[:3])
    s.console.info(f"Version: {__version__}\nImplementation: kitops-jupyter (Python {python})")


HANDLERS = {
    "init": init,
    "pack": pack,
    "unpack": unpack,
    "push": push,
    "pull": pull,
    "tag": tag,
    "list": list_,
    "inspect": inspect,
    "info": info,
    "remove": remove,
    "diff": diff,
    "login": login,
    "logout": logout,
    "version": version,
}
