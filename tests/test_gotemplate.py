"""Go text/template formats for ``kit list --format``: the outputs Go gives for kit's modelInfo fields."""

from __future__ import annotations

import pytest

from kitops_jupyter.core import listing
from kitops_jupyter.core.gotemplate import TemplateError, parse_template
from kitops_jupyter.core.gotemplate_run import go_sprintf, render

RECORD = {
    "Repo": "org/model",
    "Digest": "sha256:" + "ab" * 32,
    "Tags": ["v1", "latest"],
    "ModelName": "churn",
    "Size": "1.5 KiB",
    "Author": "<none>",
}


def run(template: str, record: dict[str, object] | None = None) -> str:
    return render(parse_template(template, "list"), record or RECORD, "list.modelInfo")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ .Repo }}", "org/model"),
        ("{{ .Repo }}:{{ index .Tags 0 }} - {{ .ModelName }}", "org/model:v1 - churn"),
        ("{{.Tags}}", "[v1 latest]"),
        ("{{ range $i, $t := .Tags }}{{ $i }}={{ $t }};{{ end }}", "0=v1;1=latest;"),
        ("{{ range .Tags }}<{{ . }}>{{ else }}none{{ end }}", "<v1><latest>"),
        ('{{ if eq .Author "<none>" }}anonymous{{ else }}{{ .Author }}{{ end }}', "anonymous"),
        ("{{ if not .Tags }}a{{ else if .Repo }}b{{ else }}c{{ end }}", "b"),
        ('{{ .Repo | printf "%-12s|" }}', "org/model   |"),
        ('{{ printf "%q has %d tags" .Repo (len .Tags) }}', '"org/model" has 2 tags'),
        ("{{ slice .Digest 0 15 }}", "sha256:abababab"),
        ("  {{- .Size -}}  !", "1.5 KiB!"),
        ("{{/* a comment */}}{{ with .ModelName }}name={{ . }}{{ end }}", "name=churn"),
        ("{{ $r := .Repo }}{{ $r }}@{{ $.Size }}", "org/model@1.5 KiB"),
        ('{{ print 1 2 "x" 3 }}|{{ println .Repo }}', "1 2x3|org/model\n"),
        ('{{ html "<a&b>" }} {{ urlquery "a b/c" }}', "&lt;a&amp;b&gt; a+b%2Fc"),
        ('{{ and .Tags .Repo }} {{ or "" .Size }}', "org/model 1.5 KiB"),
        ('{{ js "a\'b\\"<>&=\\\\" }} {{ html "\'\\"" }}', r"a\'b\"\u003C\u003E\u0026\u003D\\ &#39;&#34;"),
        (
            "{{ . }}",
            "{org/model sha256:" + "ab" * 32 + " [v1 latest] churn 1.5 KiB <none>}",
        ),  # Go's %v of a struct
    ],
)
def test_templates_render_like_go(template: str, expected: str) -> None:
    assert run(template) == expected


def test_untagged_modelkit_has_no_tags() -> None:
    record = {**RECORD, "Tags": []}
    assert (
        run("{{ .Tags }}|{{ len .Tags }}|{{ if .Tags }}tagged{{ else }}untagged{{ end }}", record)
        == "[]|0|untagged"
    )
    with pytest.raises(TemplateError, match="error calling index: index out of range: 0"):
        run("{{ index .Tags 0 }}", record)
    assert run("{{ .Missing }}", {"Missing": None}) == "<no value>"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ .Nope }}", r"can't evaluate field Nope in type list.modelInfo \(fields: .Repo, .Digest"),
        ("{{ index .Tags 5 }}", "error calling index: index out of range: 5"),
        ('{{ join .Tags "," }}', 'function "join" not defined'),
        ("{{ if .Repo }}x", r"list:1:1: unexpected EOF: \{\{if\}\} has no \{\{end\}\}"),
        ("ok\n  {{ .Repo ", r"list:2:3: unclosed action"),
        ("{{ end }}", r"unexpected \{\{end\}\}"),
        ('{{ template "x" }}', "not supported"),
        ("{{ .Repo .Size }}", "can't give argument to non-function .Repo"),
        ("{{ $x }}", "undefined variable: \\$x"),
        # Go's own words (text/template parse): two variables only in range, and only variables there
        ("{{ $a, $b := .Tags }}", "list:1:1: too many declarations in command"),
        ("{{ if $a, $b := .Tags }}{{ end }}", "too many declarations in if"),
        ("{{ with $a, $b := .Tags }}{{ end }}", "too many declarations in with"),
        ("{{ range $a, $b, $c := .Tags }}{{ end }}", "too many declarations in range"),
        ("{{ range $a, 1 := .Tags }}{{ end }}", "range can only initialize variables"),
    ],
)
def test_errors_name_the_problem(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        run(template)


def test_sprintf_verbs_and_mistakes() -> None:
    assert go_sprintf("%5d|%-4s|%t|%x|%v|%%", 42, "ab", True, 255, ["a", "b"]) == "   42|ab  |true|ff|[a b]|%"
    assert go_sprintf("%d %s", 1) == "1 %!s(MISSING)"
    assert go_sprintf("%s", "a", 3) == "a%!(EXTRA int=3)"
    assert go_sprintf("%d", "x") == "%!d(string=x)"


def _info(repo: str, digest: str, tags: list[str]) -> listing.ModelInfo:
    return listing.ModelInfo(repo, digest, tags, "churn", "1.0 KiB", "Ada")


def test_format_list_runs_the_template_once_per_modelkit_with_a_newline() -> None:
    infos = [_info("a", "sha256:1", ["v1", "v2"]), _info("b", "sha256:2", [])]
    assert listing.format_list(infos, "{{ .Repo }}") == "a\nb\n"
    assert listing.format_list(infos, "{{ .Repo }} {{ .Tags }}\n") == "a [v1 v2]\nb []\n"
    assert listing.format_list(infos, "table") == listing.format_list(infos, "") == listing.list_table(infos)
    assert listing.format_list([], "{{ .Repo }}") == ""
    assert listing.format_list([], "json") == "[]\n"
