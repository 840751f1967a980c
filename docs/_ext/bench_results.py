"""``.. benchmark-results::``: the tables of ``benchmarks/results/results.json``, if present.

``benchmarks/run.py`` writes ``results.json`` (and ``results.md``). When the file is in
the checkout, this directive renders its sections as tables at build time, so the
documentation shows the last committed measurements without copying numbers by hand;
without the file it renders a short note instead. Options:

``:sections: 4 5``
    Only these sections (keys of ``results["sections"]``); default: all.
``:no-meta:``
    Leave out the list describing the run (command, date, machine, versions).
``:file: robustness_before.json``
    Read this file of ``benchmarks/results/`` instead of ``results.json`` (a standalone
    run of one section, written in the same format).

Everything is built as docutils nodes from the data, never parsed as reStructuredText,
so no text in the results can make the (``-W``) build fail. Markdown ``code`` spans
become literals; other Markdown markup is dropped.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
RESULTS = BENCHMARKS / "results" / "results.json"

# Cells are written as benchmarks/run.py writes them in results.md.
sys.path.insert(0, str(BENCHMARKS))
from _format import cell  # noqa: E402


def _inline(text):
    """Markdown-ish text as inline nodes: `code` -> literal, ** and * markers dropped."""
    out = []
    for i, part in enumerate(str(text).split("`")):
        if i % 2:
            out.append(nodes.literal(part, part))
        elif part:
            part = re.sub(r"\*\*|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", part)
            out.append(nodes.Text(part))
    return out


def _paragraph(text):
    p = nodes.paragraph()
    p.extend(_inline(text))
    return p


def _table(tab):
    columns = [str(c) for c in tab.get("columns", [])]
    rows = tab.get("rows", [])
    if not columns:
        return []
    table = nodes.table(classes=["benchmark-table"])
    if tab.get("caption"):
        title = nodes.title()
        title.extend(_inline(tab["caption"]))
        table += title
    group = nodes.tgroup(cols=len(columns))
    table += group
    for _ in columns:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    head_row = nodes.row()
    head += head_row
    for c in columns:
        entry = nodes.entry()
        entry += _paragraph(c)
        head_row += entry
    body = nodes.tbody()
    group += body
    for row in rows:
        r = nodes.row()
        for c in columns:
            entry = nodes.entry()
            entry += _paragraph(cell(row.get(c) if isinstance(row, dict) else None))
            r += entry
        body += r
    return [table]


def _meta_list(meta):
    items = []
    if meta.get("command"):
        items.append(("command: ", nodes.literal(text=str(meta["command"]))))
    if meta.get("mode") or meta.get("status"):
        items.append(("mode: ", nodes.Text(f"{meta.get('mode', '?')}, status: {meta.get('status', '?')}")))
    if meta.get("started"):
        items.append(("date: ", nodes.Text(f"{meta.get('started')} to {meta.get('finished') or 'running'}")))
    m = meta.get("machine") or {}
    if m:
        items.append(("machine: ", nodes.Text(
            f"{m.get('cpu_model')}, {m.get('cores')} cores ({m.get('cores_usable')} usable), "
            f"{m.get('ram_gib')} GiB RAM; load average at start "
            f"{cell(m.get('load_average_1_5_15min'))}"
        )))
    v = meta.get("versions") or {}
    if v:
        keys = ("python", "tensorflow", "keras", "scikeras", "scikit-learn", "skdigits")
        text = ", ".join(f"{k} {v[k]}" for k in keys if k in v)
        if v.get("skdigits_git_commit"):
            text += f" (commit {str(v['skdigits_git_commit'])[:10]})"
        items.append(("versions: ", nodes.Text(text)))
    bullets = nodes.bullet_list()
    for label, value in items:
        item = nodes.list_item()
        p = nodes.paragraph()
        p += nodes.strong(text=label)
        p += value
        item += p
        bullets += item
    return [bullets] if items else []


class BenchmarkResults(SphinxDirective):
    has_content = False
    option_spec = {"sections": directives.unchanged, "no-meta": directives.flag,
                   "file": directives.unchanged}

    def run(self):
        path = BENCHMARKS / "results" / self.options.get("file", RESULTS.name)
        self.env.note_dependency(str(path))
        if not path.is_file():
            note = nodes.note()
            note += _paragraph(
                f"No benchmark results in this checkout: `benchmarks/results/{path.name}` "
                + ("is written by `python benchmarks/run.py --full` (or `--quick`)."
                   if path == RESULTS else "has not been written yet.")
            )
            return [note]
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
            sections = results["sections"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise self.error(f"cannot read {path}: {exc}") from None
        wanted = self.options.get("sections")
        keys = wanted.split() if wanted else list(sections)
        out = []
        if "no-meta" not in self.options:
            out += _meta_list(results.get("meta") or {})
        for key in keys:
            sec = sections.get(key)
            if sec is None:
                note = nodes.note()
                note += _paragraph(f"Section {key} is not in {path.name} yet.")
                out.append(note)
                continue
            out.append(nodes.rubric(text=f"{key}. {sec.get('title', '')}"))
            if sec.get("status", "ok") != "ok":
                out.append(_paragraph(f"status: {sec['status']}"))
            if sec.get("method"):
                out.append(_paragraph(sec["method"]))
            for tab in sec.get("tables", []):
                out += _table(tab)
            targets = sec.get("targets") or []
            if targets:
                out += _table({
                    "caption": "targets",
                    "columns": ["target", "wanted", "measured", "met"],
                    "rows": [{"target": t.get("name"), "wanted": t.get("target"),
                              "measured": t.get("value"),
                              "met": {True: "yes", False: "no"}.get(t.get("met"), "–")}
                             for t in targets],
                })
            for note_text in sec.get("notes") or []:
                out.append(_paragraph(note_text))
        return out


def setup(app):
    app.add_directive("benchmark-results", BenchmarkResults)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
