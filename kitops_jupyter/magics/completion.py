"""Tab completion for ``%kit`` lines, ``%%kit`` cells and the ``%%kitfile`` line.

A matcher in IPython's matcher API v2 (``IPCompleter.custom_matchers``), fed by the verb table:
verbs, a verb's flags, the choices of a flag, local ModelKit references, registries, ``--filter``
types and kernel variables (DataFrames for ``--dataset``, fitted models for ``--model``). Paths are
left to IPython's own file completion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, SimpleMatcherResult, context_matcher

from .verbs import CELL_MAGICS, Opt, Verb, all_verbs

__all__ = ["FILTER_TYPES", "KitCompleter"]

FILTER_TYPES = ("model", "datasets", "code", "docs", "prompts", "kitfile")
_VALUELESS = ("store_true", "store_const", "help", "append_const", "count")


def _takes_value(option: Opt) -> bool:
    action = option.kwargs.get("action")
    return not (isinstance(action, str) and action in _VALUELESS) and option.kwargs.get("nargs") != "?"


def _flag_index(verb: Verb) -> dict[str, Opt]:
    return {flag: option for option in verb.options for flag in option.flags if flag.startswith("-")}


class KitCompleter:
    """The ``%kit`` matcher; ``options`` is the ``KitMagics`` instance (for the default registry)."""

    def __init__(self, shell: Any, options: Any) -> None:
        self.shell = shell
        self.options = options

        def matcher(context: CompletionContext) -> SimpleMatcherResult:
            return self.match(context)

        self.matcher = context_matcher(identifier="kitops_jupyter.kit")(matcher)

    def register(self) -> None:
        self.shell.Completer.custom_matchers.append(self.matcher)

    def unregister(self) -> None:
        with contextlib.suppress(ValueError):
            self.shell.Completer.custom_matchers.remove(self.matcher)

    # -- which command is being typed -----------------------------------------------------------

    def _command(self, context: CompletionContext) -> tuple[Verb | None, str] | None:
        """``(fixed verb or None, text to complete)`` when the cursor is in a %kit command."""
        before = context.text_until_cursor
        stripped = before.lstrip()
        if stripped.startswith("%%kitfile ") and context.cursor_line == 0:
            return CELL_MAGICS["kitfile"], stripped[len("%%kitfile ") :]
        for prefix in ("%%kit ", "%kit "):
            if stripped.startswith(prefix):
                return None, stripped[len(prefix) :]
        first = context.full_text.split("\n", 1)[0].strip()
        if context.cursor_line > 0 and (first == "%%kit" or first.startswith("%%kit ")):
            return None, stripped.removeprefix("%kit ")
        return None

    def match(self, context: CompletionContext) -> SimpleMatcherResult:
        found = self._command(context)
        if found is None:
            return {"completions": []}
        verb, text = found
        words = text.split()
        current = "" if not words or text[-1:].isspace() else words.pop()
        candidates, suppress = self._candidates(verb, words, current)
        matches = sorted({c for c in candidates if c.startswith(current)})
        completions = [SimpleCompletion(m, type="kit") for m in matches]
        return {"completions": completions, "matched_fragment": current, "suppress": suppress}

    # -- what to offer ----------------------------------------------------------------------------

    def _candidates(self, verb: Verb | None, words: list[str], current: str) -> tuple[list[str], bool]:
        if verb is None:
            if not words:
                return list(all_verbs()), True
            verb = all_verbs().get(words.pop(0))
            if verb is None:
                return [], True
        flags = _flag_index(verb)
        if words and words[-1] in flags and _takes_value(flags[words[-1]]):
            return self._values(flags[words[-1]])
        if current.startswith("-"):
            return [*flags, "--help"], True
        positional = self._positional(verb, words, flags)
        return self._values(positional) if positional is not None else ([], True)

    def _positional(self, verb: Verb, words: list[str], flags: dict[str, Opt]) -> Opt | None:
        index, skip = 0, False
        for word in words:
            if skip:
                skip = False
            elif word in flags:
                skip = _takes_value(flags[word])
            elif not word.startswith("-"):
                index += 1
        positionals = [o for o in verb.options if o.positional]
        return positionals[index] if index < len(positionals) else None

    def _values(self, option: Opt) -> tuple[list[str], bool]:
        if option.kwargs.get("choices"):
            return [str(c) for c in option.kwargs["choices"]], True
        kind = option.complete
        if kind == "path" or not kind:
            return [], kind != "path"  # let IPython complete file names
        sources: dict[str, Callable[[], list[str]]] = {
            "verb": lambda: list(all_verbs()),
            "reference": self._references,
            "registry": self._registries,
            "filter": lambda: list(FILTER_TYPES),
            "dataframe": lambda: self._variables("dataframe"),
            "variable": lambda: self._variables("model"),
        }
        return sources[kind](), True

    def _references(self) -> list[str]:
        from ..api import Kit

        try:
            infos = Kit().list_modelkits()
        except Exception:  # a broken store must not break completion
            return []
        return [f"{info.repo}:{tag}" for info in infos for tag in info.tags if info.repo != "<none>"]

    def _registries(self) -> list[str]:
        hosts = {r.split("/", 1)[0] for r in self._references() if "/" in r}
        found = {h for h in hosts if "." in h or ":" in h or h == "localhost"}
        if self.options.default_registry:
            found.add(self.options.default_registry)
        return sorted(found)

    def _variables(self, kind: str) -> list[str]:
        from ..adapter_helpers.capture import user_variables
        from ..adapter_helpers.capture.dataframes import find_dataframes
        from ..adapter_helpers.capture.models import find_models

        namespace = self.shell.user_ns
        try:
            chosen: Iterable[str] = (
                find_dataframes(namespace) if kind == "dataframe" else find_models(namespace)
            )
        except Exception:  # completion must never raise into the frontend
            chosen = []
        names = list(chosen)
        return names or [name for name, _ in user_variables(namespace)]
