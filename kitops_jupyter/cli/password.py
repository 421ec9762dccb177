"""Reading a registry password without ever echoing it or taking it from the command line.

``--password-stdin`` reads standard input to its end (one trailing newline removed), for CI and
scripts: ``echo "$TOKEN" | kitj login host -u ada --password-stdin``. Otherwise the password is asked
with a hidden prompt on the terminal; with no terminal to ask on, login stops and says what to do.
"""

from __future__ import annotations

import getpass
import sys

from ..errors import InvalidArgument

__all__ = ["read_password"]


def read_password(username: str, from_stdin: bool) -> tuple[str, str]:
    """``(username, password)``; the username is asked too when missing and a terminal is there."""
    if from_stdin:
        password = sys.stdin.read().removesuffix("\n").removesuffix("\r")
        if not password:
            raise InvalidArgument("failed to read password from stdin: got empty string")
        if not username:
            raise InvalidArgument("--password-stdin needs the user name too: add -u USERNAME")
        return username, password
    if not sys.stdin.isatty():
        raise InvalidArgument(
            "no terminal to ask for the password on; pipe it with --password-stdin (and -u USERNAME)"
        )
    if not username:
        username = input("Username: ").strip()
    password = getpass.getpass("Password: ")
    if not password:
        raise InvalidArgument("no password given; login cancelled")
    return username, password
