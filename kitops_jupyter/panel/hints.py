"""The panel's words for advice written for the magics: name the panel's controls instead.

Core errors end in advice for Python and ``%kit`` users ("use overwrite=True (-o)", "pass
plain_http=True (%kit ... --plain-http)", "check `kit list`"). The panel has an Overwrite box, no flags,
and there is no ``kit`` CLI in a kernel, so that advice is replaced by what to do in the panel.
"""

from __future__ import annotations

import re

_SETTINGS = "save this registry's settings (KitOps sidebar → Registries, or kitops_jupyter.api.save_registry_settings)"

# One row per rewrite, the replacement under its pattern (`# fmt: skip` keeps the pairs readable).
_REWRITES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"; use overwrite=True \(-o\).*$", re.S), "; tick “Overwrite existing files” to replace it"),
    (re.compile(r"; if it is a plain HTTP registry, pass plain_http=True.*$", re.S),
     f"; for a plain-HTTP registry {_SETTINGS} with Plain HTTP"),
    (re.compile(r" For a registry that only speaks HTTP pass plain_http=True\.$"),
     f" For a plain-HTTP registry {_SETTINGS} with Plain HTTP."),
    (re.compile(r"; pass ca_bundle=PATH.*$", re.S), f"; {_SETTINGS} with its CA bundle"),
    (re.compile(r"; pass plain_http=False$"), f"; {_SETTINGS} with HTTPS"),
    (re.compile(r"; run `%kit login ([^`]+)`[^;]*"), r"; log in to \1 with the panel's Registry login"),
    (re.compile(r"; check `kit list` or pull it$"), "; press Pull to fetch it first"),
    (re.compile(r"; check `kit list`$"), "; press Pull to fetch it first"),
]  # fmt: skip


def panel_words(message: str) -> str:
    """``message`` with advice for other front ends replaced by the panel's controls."""
    for pattern, replacement in _REWRITES:
        message = pattern.sub(replacement, message)
    return message
