"""License detection for ``kit init`` (docs/format.md §5.6): the SPDX id of a LICENSE file, single match only.

kit uses ``google/licensecheck`` on a top-level ``license*`` file; this is a small phrase-table
stand-in. A text is recognised only when exactly one license's phrases all occur in it and it is not
much longer than that license (see the table below); otherwise the answer is ``""``. :mod:`.generate`
puts the result on the model, the single dataset or code entry, or the package.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["detect_license", "detect_license_file"]

_LICENSE_READ_LIMIT = 1 << 20

# One line per way of recognising a license: SPDX id, the most words the text may have apart from
# copyright lines (a longer text holds something else too), then phrases that must all occur ("!": must
# not occur) once the text is lower-cased and every run of non-alphanumerics is one space. Phrases quote
# the full texts (and Apache-2.0's file header); "!" phrases reject look-alikes (X11, Apache-1.1, bzip2,
# BSD-Views, the Clear/Patent/LBNL BSDs, Solderpad, ...). Misses are preferred to wrong answers.
_BSD = """redistribution and use in source and binary forms with or without modification are permitted ; \
redistributions of source code must retain the above copyright notice ; redistributions in binary form \
must reproduce the above copyright notice ; as is and any express or implied warranties including but not \
limited to the implied warranties of merchantability and fitness for a particular purpose are disclaimed ; \
even if advised of the possibility of such damage ; !advertising ; !acknowledg ; !patent ; !nuclear ; \
!trademark ; !limitations in the disclaimer below ; !the views and conclusions ; !may not be called ; \
!altered source versions ; !no obligation ; !you agree ; !not permitted ; !disallowed"""
_LICENSE_TABLE = f"""
Apache-2.0 2000 | apache license version 2 0 ; terms and conditions for use reproduction and distribution ; \
!solderpad
Apache-2.0 200 | licensed under the apache license version 2 0 ; you may not use this file except in \
compliance with the license ; !solderpad
MIT 175 | permission is hereby granted free of charge to any person obtaining a copy ; including without \
limitation the rights to use copy modify merge publish distribute sublicense and or sell copies of the \
software ; the above copyright notice and this permission notice shall be included in all copies or \
substantial portions of the software ; the software is provided as is without warranty of any kind ; \
other dealings in the software ; !advertising ; !good not evil ; !x consortium
BSD-3-Clause 235 | {_BSD} ; endorse or promote products derived from this software
BSD-2-Clause 205 | {_BSD} ; !endorse or promote products derived from this software
GPL-3.0 6000 | the gnu general public license is a free copyleft license for software and other kinds of works
GPL-2.0 3300 | this general public license applies to most of the free software foundation s software ; \
gnu general public license version 2 june 1991
LGPL-3.0 1300 | gnu lesser general public license version 3 29 june 2007 ; incorporates the terms and \
conditions of version 3 of the gnu general public license
LGPL-2.1 4700 | gnu lesser general public license version 2 1 february 1999 ; this license the lesser \
general public license applies to some specially designated software
LGPL-2.0 4500 | gnu library general public license version 2 june 1991 ; this license the library general \
public license applies to some specially designated
MPL-2.0 2700 | mozilla public license version 2 0 ; covered software ; larger work ; executable form
CC-BY-4.0 2300 | creative commons attribution 4 0 international public license ; by exercising the licensed \
rights ; !noncommercial ; !sharealike ; !noderivatives
"""


def _parse_table(table: str) -> list[tuple[str, int, list[str]]]:
    rows = []
    for line in table.strip().splitlines():
        head, phrases = line.split("|")
        spdx, most = head.split()
        rows.append((spdx, int(most), [p.strip() for p in phrases.split(";")]))
    return rows


_LICENSES = _parse_table(_LICENSE_TABLE)


_COPYRIGHT = re.compile(r"\s*(copyright|\(c\)|©|all rights reserved)", re.IGNORECASE)


def _normalise(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def _holds(norm: str, phrase: str) -> bool:
    wanted = phrase.lstrip("!")
    return (f" {wanted}" in norm) != phrase.startswith("!")  # phrases match at word starts


def detect_license(text: str) -> str:
    """SPDX id of the one license ``text`` holds, or ``""`` when none or several are recognised."""
    norm = _normalise(text)
    words = len(_normalise("\n".join(ln for ln in text.splitlines() if not _COPYRIGHT.match(ln))).split())
    found = {
        spdx for spdx, most, phrases in _LICENSES if words <= most and all(_holds(norm, p) for p in phrases)
    }
    return found.pop() if len(found) == 1 else ""


def detect_license_file(path: Path) -> str:
    """:func:`detect_license` of a file's first MiB; ``""`` if it cannot be read."""
    try:
        with path.open("rb") as fh:
            return detect_license(fh.read(_LICENSE_READ_LIMIT).decode("utf-8", errors="replace"))
    except OSError:
        return ""
