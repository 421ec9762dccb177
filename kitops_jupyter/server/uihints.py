"""Error words for the JupyterLab sidebar: hints that name its controls, never a CLI flag.

The ``KitError`` texts come from the core and end in advice for Python and magic users
("use overwrite=True (-o)", "pass plain_http=True (%kit ... --plain-http)", "check `kit list`").
The sidebar has no such flags and there is no ``kit`` CLI in a notebook server, so this module
drops that advice from the message and gives the hint that fits the sidebar instead: a control it
has (Overwrite, Settings, Log in, the list, Remote tags). No Jupyter imports here.
"""

from __future__ import annotations

import re

from .. import errors

# Advice meant for other front ends: from the "; " that starts it to the end of the message.
_CLI_ADVICE = re.compile(
    r";[^;]*?(overwrite=True|ignore_existing=|plain_http=|--plain-http|ca_bundle=|tls_verify=|"
    r"%kit login|`kit list`|kit init|pass -f|raise the timeout option).*$",
    re.DOTALL,
)

OVERWRITE = "Tick Overwrite to replace the existing files, or unpack into an empty folder."
PLAIN_HTTP_ON = "Open KitOps Settings (the gear) and turn on Plain HTTP for this registry."
PLAIN_HTTP_OFF = "Open KitOps Settings (the gear) and turn off Plain HTTP for this registry."
TLS = "Open KitOps Settings (the gear) and give this registry's CA bundle, or turn off Verify TLS (unsafe)."
LOGIN = "Log in to this registry in KitOps Settings (the gear)."
DENIED = "Your registry account may not do this; ask the registry's owner for access."
LOCAL_MISSING = "Click a ModelKit in the list, or Pull it from its registry first."
REMOTE_MISSING = "Check the reference; Remote tags lists what the repository holds."
NO_KITFILE = (
    "Add a Kitfile to the folder (the notebook panel or a %%kitfile cell writes one), then pack again."
)
REFERENCE = "References look like registry/repository:tag, e.g. 127.0.0.1:5000/team/model:v1."
ARGUMENT = "Correct the field named in the message and try again."
KITFILE = "Fix the Kitfile at the line and field named in the message."
UNREACHABLE = (
    "Check the registry address and that it is running and reachable from the Jupyter server; "
    "for a plain-HTTP registry turn on Plain HTTP in KitOps Settings."
)
SECRETS = "Remove the listed secrets (or list their files in .kitignore), or choose Pack anyway to pack them."
PACK = "Correct the folder or Kitfile named in the message, then pack again."
DAMAGED = "The ModelKit's content is damaged or unsafe and was not used; pull it again or ask its publisher."
STORE = "The local ModelKit store ($KITOPS_HOME/storage) could not be used; the message says where."
SERVER = "See the Jupyter server log for details."

# (words in the message, hint): checked in order, before the hint by error class.
_BY_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("overwrite=True",), OVERWRITE),
    (("does not speak HTTPS", "only speaks HTTP", "plain_http=True"), PLAIN_HTTP_ON),
    (("speaks HTTPS but was called over plain HTTP",), PLAIN_HTTP_OFF),
    (("could not be verified", "ca_bundle="), TLS),
    (("no Kitfile in", "kit init"), NO_KITFILE),
    (("not in local storage",), LOCAL_MISSING),
]

# Most specific first.
_BY_CLASS: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
    (errors.AuthenticationFailed, LOGIN),
    (errors.Denied, DENIED),
    (errors.RegistryUnreachable, UNREACHABLE),
    (errors.InvalidReference, REFERENCE),
    (errors.KitfileError, KITFILE),
    (errors.UnpackError, OVERWRITE),
    (errors.SecretsFound, SECRETS),
    (errors.PackError, PACK),
    ((errors.UnsafeArchive, errors.IntegrityError), DAMAGED),
    (errors.StoreError, STORE),
    (errors.NotFound, REMOTE_MISSING),
    (errors.InvalidArgument, ARGUMENT),
    (errors.RegistryError, UNREACHABLE),
]


def sidebar_words(exc: BaseException) -> tuple[str, str] | None:
    """``(message, hint)`` for a ``KitError`` shown in the sidebar, else ``None`` (keep the default)."""
    if not isinstance(exc, errors.KitError):
        return None
    text = str(exc)
    message = _CLI_ADVICE.sub("", text).rstrip(" ;,.") or text
    for words, hint in _BY_WORDS:
        if any(word in text for word in words):
            return message, hint
    if exc.hint:
        return message, exc.hint
    for kind, hint in _BY_CLASS:
        if isinstance(exc, kind):
            return message, hint
    return message, SERVER
