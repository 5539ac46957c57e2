"""The report page: one HTML file with everything in it (styles inline, plots as ``data:`` PNGs),
no script, no font, style sheet or image from anywhere else, so it opens offline in any browser.
Its Content-Security-Policy says so too: a browser would refuse a script or a remote load even if
one slipped in. Every value from the data, the spec or the manifest is escaped (``text.esc``).

``render(contents)`` fills ``page.html`` with the sections, in reading order: overview, one
section per table (sample rows, columns, correlations), foreign keys, rules, validation, realism,
provenance.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from string import Template
from typing import Any

from codegen import __version__
from codegen.runreport import plots
from codegen.runreport.build import Contents
from codegen.runreport.figures import ColumnFigures, TableFigures
from codegen.runreport.relations import FanOut, RuleResult
from codegen.runreport.text import count_share, esc, number, percent, slug, value

SPEC_SHOWN = 400  # lines of spec.yaml and program.py shown before the rest is cut


def render(contents: Contents) -> str:
    """The whole page."""
    figures = contents.figures
    sections = [
        ("overview", "Overview", _overview(contents)),
        *[(_table_id(t.name), t.name, _table(t, contents)) for t in figures.tables],
        ("relationships", "Foreign keys", _relationships(figures.fan_outs)),
        ("rules", "Rules", _rules(figures.rules)),
        ("validation", "Validation", _validation(contents.manifest.validation)),
        ("realism", "Realism", _realism(contents.manifest.realism)),
        ("typical", "What the model judged", _typical(contents.manifest.typical)),
        ("provenance", "Provenance", _provenance(contents)),
    ]
    nav = "".join(
        f'<li><a href="#{ident}"{_class("table-link" if ident.startswith("table-") else "")}>'
        f"{esc(title)}</a></li>"
        for ident, title, _ in sections
    )
    body = _header(contents) + f'<nav aria-label="Contents"><ul>{nav}</ul></nav><main>'
    body += "".join(
        f'<section id="{ident}"><h2>{esc(title)}</h2>{html}</section>'
        for ident, title, html in sections
    )
    body += (
        f"</main><footer>Made by sdgen {esc(__version__)} on {esc(contents.made)} from "
        f"<code>{esc(contents.run_path)}</code>.</footer>"
    )
    template = Template(_resource("page.html"))
    return template.substitute(
        title=esc(f"{contents.name} — sdgen report"), style=_resource("page.css"), body=body
    )


def _resource(name: str) -> str:
    return resources.files("codegen.runreport").joinpath(name).read_text(encoding="utf-8")


def _class(name: str) -> str:
    return f' class="{name}"' if name else ""


def _table_id(name: str) -> str:
    return "table-" + slug(name)


# ----------------------------------------------------------------------------- header


def _header(c: Contents) -> str:
    m = c.manifest
    meta = [
        f"run <code>{esc(m.run_id or '?')}</code>",
        f"made {esc(m.created or '?')}",
        f"route {esc(m.route)}",
    ]
    if m.model:
        meta.append(f"model {esc(m.model)}")
    badges = [_validation_badge(m.validation)]
    rules = c.figures.rules
    if rules:
        held = sum(1 for r in rules if r.passed)
        kind = "ok" if held == len(rules) else "bad"
        badges.append(_badge(kind, f"{held} of {len(rules)} rules hold"))
    if m.realism:
        passed = sum(1 for p in m.realism.values() if isinstance(p, dict) and p.get("passed"))
        kind = "ok" if passed == len(m.realism) else "warn"
        badges.append(_badge(kind, f"realism {passed} of {len(m.realism)}"))
    else:
        badges.append(_badge("none", "realism not measured"))
    if m.status != "complete":
        badges.insert(0, _badge("bad", f"run {m.status}"))
    description = f'<p class="lede">{esc(c.description)}</p>' if c.description else ""
    return (
        f'<header><p class="kicker">sdgen dataset report</p><h1>{esc(c.name)}</h1>{description}'
        f'<p class="meta">{" · ".join(meta)}</p><p class="badges">{"".join(badges)}</p></header>'
    )


def _badge(kind: str, text: str) -> str:
    return f'<span class="badge {kind}">{esc(text)}</span>'


def _validation_badge(validation: dict[str, Any]) -> str:
    if "ok" not in validation:
        return _badge("none", "validation not recorded")
    if validation["ok"]:
        warnings = validation.get("warning_count") or 0
        extra = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        return _badge("ok", f"validation passed{extra}")
    return _badge("bad", f"validation failed: {validation.get('failure_count', '?')} failures")


# ----------------------------------------------------------------------------- overview


def _overview(c: Contents) -> str:
    figures = c.figures
    requested = c.manifest.rows_requested
    saved = c.manifest.validation.get("tables") or {}
    failures = c.manifest.validation.get("failures") or []
    rows = []
    for t in figures.tables:
        asked = requested.get(t.name)
        asked_text = (
            "" if asked in (None, t.rows) else f' <span class="muted">of {asked:,} asked</span>'
        )
        failed = sum(1 for f in failures if f.get("table") == t.name)
        state = _badge("bad", f"{failed} failing") if failed else _badge("ok", "valid")
        if t.name not in saved:
            state = _badge("none", "not validated")
        described = esc(t.spec.description) if t.spec and t.spec.description else ""
        rows.append(
            f'<tr><td><a href="#{_table_id(t.name)}">{esc(t.name)}</a></td>'
            f'<td class="num">{t.rows:,}{asked_text}</td><td class="num">{len(t.columns)}</td>'
            f"<td>{state}</td><td>{described}</td></tr>"
        )
    for name, why in figures.unreadable.items():
        rows.append(
            f'<tr><td>{esc(name)}</td><td colspan="3">{_badge("bad", "no figures")}</td>'
            f"<td>{esc(why)}</td></tr>"
        )
    total = sum(t.rows for t in figures.tables)
    head = "".join(
        f"<th>{h}</th>" for h in ("table", "rows", "columns", "validation", "what a row is")
    )
    return (
        f"<p>{len(figures.tables)} tables, {total:,} rows in all.</p>"
        f'<div class="scroll"><table class="grid"><tr>{head}</tr>{"".join(rows)}</table></div>'
    )


# ----------------------------------------------------------------------------- one table


def _table(t: TableFigures, c: Contents) -> str:
    parts = []
    if t.spec and t.spec.description:
        parts.append(f'<p class="lede">{esc(t.spec.description)}</p>')
    parts.append(f"<p>{t.rows:,} rows, {len(t.columns)} columns.</p>")
    if t.sampled:
        approximate = any(c.approximate for c in t.columns)
        parts.append(
            f'<p class="note">Plots, sample rows and correlations are drawn from a deterministic '
            f"sample of {t.sample_size:,} of the {t.rows:,} rows; the other figures are over every "
            f"row{', medians and distinct counts (≈) as approximations' if approximate else ''}."
            "</p>"
        )
    parts.append(f"<h3>Sample rows</h3>{_sample(t)}")
    parts.append('<h3>Columns</h3><div class="cards">')
    parts += [_column(col) for col in t.columns]
    parts.append("</div>")
    parts.append("<h3>Correlations</h3>" + _correlation(t))
    return "".join(parts)


def _sample(t: TableFigures) -> str:
    if not t.sample_rows:
        return '<p class="muted">No rows.</p>'
    head = "".join(f'<th title="{esc(h)}">{esc(h)}</th>' for h in t.sample_header)
    body = []
    for row in t.sample_rows:
        cells = []
        for v in row:
            shown = value(v, grouped=False)
            full = value(v, limit=None, grouped=False)
            title = f' title="{esc(full[:500])}"' if full != shown else ""
            kind = "null" if v is None else ("num" if isinstance(v, int | float) else "")
            cells.append(f"<td{_class(kind)}{title}>{esc(shown)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    shown = len(t.sample_rows)
    note = f"{shown} of {t.rows:,} rows, picked by a hash of the key so they spread over the table"
    if len(t.sample_header) > 8:
        note += f"; {len(t.sample_header)} columns: scroll sideways for all of them"
    return (
        f'<div class="scroll"><table class="grid sample"><tr>{head}</tr>{"".join(body)}</table>'
        f'</div><p class="caption">{note}.</p>'
    )


def _column(col: ColumnFigures) -> str:
    spec_bits = _spec_bits(col)
    stats = _stats(col)
    plot = plots.column_plot(col)
    picture = _img(plot, f"distribution of {col.name}") if plot else ""
    note = f'<p class="note">{esc(col.note)}</p>' if col.note else ""
    return (
        f'<article class="card"><h4>{esc(col.name)} <span class="type">{esc(col.duck_type)}'
        f'</span></h4><p class="spec">{spec_bits}</p>{picture}{note}'
        f'<table class="stats">{stats}</table></article>'
    )


def _img(plot: plots.Plot, alt: str, css: str = "") -> str:
    return (
        f'<img{_class(css)} src="{plot.uri}" width="{plot.width}" height="{plot.height}" '
        f'alt="{esc(alt)}">'
    )


def _spec_bits(col: ColumnFigures) -> str:
    spec = col.spec
    if spec is None:
        return '<span class="warn">not in the spec</span>'
    bits = [f"<b>{esc(spec.type)}</b>"]
    if spec.primary_key:
        bits.append("primary key")
    if spec.unique:
        bits.append("unique")
    if spec.references:
        bits.append(f"→ {esc(spec.references)}")
    if spec.nullable:
        bits.append("nullable")
    if spec.min is not None:
        bits.append(f"min {esc(value(spec.min))}")
    if spec.max is not None:
        bits.append(f"max {esc(value(spec.max))}")
    if spec.values is not None:
        bits.append(f"{len(spec.values)} allowed values")
    if spec.pattern:
        bits.append(f"pattern <code>{esc(spec.pattern)}</code>")
    line = " · ".join(bits)
    if spec.description:
        line += f'<br><span class="muted">{esc(spec.description)}</span>'
    return line


def _stats(col: ColumnFigures) -> str:
    rows: list[tuple[str, str, str]] = []  # (label, value, css class)
    missing_class = "bad" if col.nulls and col.spec is not None and not col.spec.nullable else ""
    rows.append(("nulls", count_share(col.nulls, col.rows), missing_class))
    if col.nonfinite:
        rows.append(("NaN / inf", count_share(col.nonfinite, col.rows), "bad"))
    if col.distinct is not None:
        approx = "≈ " if col.approximate else ""
        rows.append(("distinct", f"{approx}{col.distinct:,}", ""))
    spec = col.spec
    if col.kind in ("number", "time"):
        early, late = ("earliest", "latest") if col.kind == "time" else ("min", "max")
        low_bad = _beyond(col.minimum, spec.min if spec else None, below=True)
        high_bad = _beyond(col.maximum, spec.max if spec else None, below=False)
        rows.append((early, _stat(col.minimum), "bad" if low_bad else ""))
        median = ("≈ " if col.approximate and col.median is not None else "") + _stat(col.median)
        rows.append(("median", median, ""))
        if col.mean is not None:
            rows.append(("mean", _stat(col.mean), ""))
        rows.append((late, _stat(col.maximum), "bad" if high_bad else ""))
    elif col.kind == "boolean" and col.true is not None:
        rows.append(("true", count_share(col.true, col.present) if col.true else "0", ""))
    elif col.kind == "text" and col.length is not None:
        low, high = col.length
        rows.append(("length", f"{low:,}–{high:,} characters" if low != high else f"{low:,}", ""))
    return "".join(
        f"<tr><th>{esc(label)}</th><td{_class(kind)}>{esc(text)}</td></tr>"
        for label, text, kind in rows
    )


def _stat(v: Any) -> str:
    """A figure: a median time to the second (an approximation has made-up microseconds)."""
    if v is None:
        return "–"
    if isinstance(v, dt.datetime) and v.microsecond:
        v = v.replace(microsecond=0)
    return value(v)


def _beyond(found: Any, bound: Any, *, below: bool) -> bool:
    """Whether the data's min (or max) lies beyond the spec's bound."""
    if found is None or bound is None:
        return False
    if isinstance(bound, dt.date) and not isinstance(bound, dt.datetime):
        if isinstance(found, dt.datetime):
            found = found.date()
    try:
        return found < bound if below else found > bound
    except TypeError:
        return False


def _correlation(t: TableFigures) -> str:
    corr = t.correlation
    if corr is None:
        return (
            '<p class="muted">Fewer than two numeric columns besides the keys: nothing to '
            "correlate.</p>"
        )
    strongest = "".join(
        f"<li><code>{esc(a)}</code> and <code>{esc(b)}</code>: "
        f'<span class="num">{rho:+.2f}</span></li>'
        for a, b, rho in corr.strongest()
    )
    left = (
        f'<p class="note">Left out (more than {len(corr.columns)} numeric columns): '
        f"{esc(', '.join(corr.left_out))}.</p>"
        if corr.left_out
        else ""
    )
    return (
        f'<div class="pair">{_img(plots.correlation_plot(corr), f"correlations in {t.name}")}'
        "<div><p>Spearman rank correlation "
        "between the numeric columns (keys left out), on the rows the plots use. Strongest:"
        f"</p><ul>{strongest}</ul>{left}</div></div>"
    )


# ----------------------------------------------------------------------------- across tables


def _relationships(fan_outs: list[FanOut]) -> str:
    if not fan_outs:
        return '<p class="muted">The spec declares no foreign keys.</p>'
    cards = []
    for fan in fan_outs:
        title = f"{fan.child}.{fan.column} → {fan.parent}.{fan.parent_column}"
        rows = [
            (f"{fan.parent} rows", number(fan.parents)),
            (f"{fan.child} rows", number(fan.children + fan.orphans + fan.null_keys)),
            (f"{fan.parent} with no {fan.child}", count_share(fan.childless, fan.parents)),
            ("per parent: min / median", f"{_n(fan.minimum)} / {_n(fan.median)}"),
            ("per parent: mean / max", f"{_n(fan.mean)} / {_n(fan.maximum)}"),
        ]
        if fan.orphans:
            rows.append(("keys with no parent", number(fan.orphans)))
        if fan.null_keys:
            rows.append(("null keys", number(fan.null_keys)))
        stats = "".join(
            f"<tr><th>{esc(label)}</th><td{_class('bad' if 'no parent' in label else '')}>"
            f"{esc(text)}</td></tr>"
            for label, text in rows
        )
        picture = _img(plots.fan_out_plot(fan), f"fan-out of {title}") if fan.distribution else ""
        cards.append(
            f'<article class="card wide"><h4>{esc(title)}</h4><div class="pair">{picture}'
            f'<table class="stats">{stats}</table></div></article>'
        )
    return (
        "<p>How many child rows each parent row has: a real dataset is rarely uniform (a few "
        "customers place most orders).</p>" + f'<div class="cards">{"".join(cards)}</div>'
    )


def _n(v: float | int | None) -> str:
    return "–" if v is None else number(round(v, 2) if isinstance(v, float) else v)


def _rules(rules: list[RuleResult]) -> str:
    if not rules:
        return '<p class="muted">The spec declares no rules.</p>'
    rows = []
    for r in rules:
        if r.passed is None:
            state = _badge("none", "not judged")
        else:
            state = _badge("ok", "holds") if r.passed else _badge("bad", "fails")
        if r.value is None:
            result = "–"
        elif r.kind == "check":
            result = f'{_bar(r.value, r.passed)}<span class="num">{percent(r.value, 1)}</span>'
        else:
            result = f'rho <span class="num">{r.value:+.3f}</span>'
        described = f'<br><span class="muted">{esc(r.description)}</span>' if r.description else ""
        rule = f"<code>{esc(r.rule)}</code>" if r.kind == "check" else esc(_trend(r))
        rows.append(
            f"<tr><td>{esc(r.table)}</td><td>{esc(r.kind)}</td><td>{rule}{described}</td>"
            f'<td>{esc(r.requirement)}</td><td class="result">{result}</td><td>{state}</td>'
            f"<td>{esc(r.detail)}</td></tr>"
        )
    head = (
        "<tr><th>table</th><th>kind</th><th>rule</th><th>needs</th><th>result</th><th></th>"
        "<th>detail</th></tr>"
    )
    return (
        "<p>Every rule of the spec, judged on the saved tables as validation judges it: a check "
        "passes on a row unless it is false there; a trend is Spearman's rank correlation.</p>"
        f'<div class="scroll"><table class="grid rules">{head}{"".join(rows)}</table></div>'
    )


def _trend(r: RuleResult) -> str:
    x, _, y = r.rule.partition(", ")
    return f"{y} {'rises' if r.kind == 'increasing' else 'falls'} as {x} rises"


def _bar(share: float, passed: bool | None) -> str:
    width = max(0.0, min(100.0, share * 100))
    return (
        f'<span class="bar{"" if passed else " bad"}"><span style="width:{width:.1f}%">'
        "</span></span>"
    )


def _validation(validation: dict[str, Any]) -> str:
    if "ok" not in validation:
        return '<p class="muted">This run recorded no validation.</p>'
    failures = validation.get("failures") or []
    warnings = validation.get("warnings") or []
    head = f"<p>{_validation_badge(validation)} as recorded when the run was saved.</p>"
    items = [("bad", f) for f in failures] + [("warn", w) for w in warnings]
    if not items:
        return head + '<p class="muted">No failures, no warnings.</p>'
    lines = "".join(
        f'<li class="{kind}"><code>{esc(f.get("reason", ""))}</code> {esc(f.get("message", ""))}'
        "</li>"
        for kind, f in items
    )
    return head + f'<ul class="findings">{lines}</ul>'


def _realism(realism: dict[str, Any]) -> str:
    if not realism:
        return (
            '<p class="muted">No realism figures were measured for this run (none are recorded '
            "in its manifest).</p>"
        )
    rows = []
    for probe, got in realism.items():
        got = got if isinstance(got, dict) else {"value": got}
        passed = got.get("passed")
        state = (
            _badge("none", "–") if passed is None else _badge("ok" if passed else "bad",
                                                                "passes" if passed else "fails")
        )  # fmt: skip
        # "why" from realism probes (codegen.realism); "expected" in older manifests
        expects = got.get("why", got.get("expected"))
        error = f" (error: {got['error']})" if got.get("error") else ""
        rows.append(
            f"<tr><td>{esc(probe)}</td><td>{state}</td>"
            f'<td class="num">{esc(_plain(got.get("value")))}</td>'
            f"<td>{esc(_plain(expects) + error)}</td></tr>"
        )
    head = "<tr><th>probe</th><th></th><th>value</th><th>expected</th></tr>"
    return f'<div class="scroll"><table class="grid">{head}{"".join(rows)}</table></div>'


def _typical(answers: list[dict[str, Any]]) -> str:
    """The model's judgement asked before the program was made (codegen.pipeline.typical):
    each question, the answer, and whether it shaped the data or why not."""
    if not answers:
        return (
            '<p class="muted">The model was asked no typical values for this run (the spec gave '
            "them, or the questions were off).</p>"
        )
    rows = []
    for a in answers:
        where = f"{a.get('table')}.{a.get('column')}"
        asked = a.get("asked", "typical")
        if asked == "by category" or asked == "gap":
            asked = f"{asked} ({a.get('by')})"
        if a.get("by_values"):
            answer = ", ".join(f"{k} {_plain(v)}" for k, v in a["by_values"].items())
        elif a.get("weights"):
            answer = ", ".join(f"{k} {_plain(v)}" for k, v in a["weights"].items())
        elif a.get("low") is not None:
            answer = (
                f"{_plain(a.get('typical'))} ({_plain(a.get('low'))} to {_plain(a.get('high'))})"
            )
        else:
            answer = _plain(a.get("typical"))
        kept = a.get("kept")
        state = _badge("ok" if kept else "none", "used" if kept else "not used")
        # what the model took the column for, before its numbers: a wrong reading explains them
        meaning = a.get("meaning")
        read = f'<br><span class="muted">read as: {esc(meaning)}</span>' if meaning else ""
        if a.get("said") and a.get("said") != a.get("weights"):  # the model's own numbers, as said
            said = ", ".join(f"{k} {_plain(v)}" for k, v in a["said"].items())
            most = f"; most rows: {a['most']}" if a.get("most") else ""
            read += f'<br><span class="muted">the model said: {esc(said)}{esc(most)}</span>'
        rows.append(
            f"<tr><td><code>{esc(where)}</code></td><td>{esc(asked)}</td>"
            f"<td>{esc(answer)}{read}</td><td>{state}</td><td>{esc(a.get('why') or '')}</td></tr>"
        )
    head = "<tr><th>column</th><th>asked</th><th>answer</th><th></th><th>why not</th></tr>"
    return f'<div class="scroll"><table class="grid">{head}{"".join(rows)}</table></div>'


def _plain(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, list | tuple):
        return ", ".join(_plain(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    return value(v, limit=200)


# ----------------------------------------------------------------------------- provenance


def _provenance(c: Contents) -> str:
    m, p = c.manifest, c.provenance
    usage = ", ".join(f"{k} {v:,}" for k, v in m.usage.items() if isinstance(v, int))
    timings = m.timings
    integrity = p.get("integrity") or {}
    changed = [name for name, ok in integrity.items() if not ok]
    facts: list[tuple[str, str]] = [
        ("run id", m.run_id),
        ("status", m.status),
        ("route", m.route),
        ("created", m.created),
        ("re-run of", m.rerun_of or ""),
        ("request", m.request or ""),
        ("model", m.model or ""),
        ("endpoint host", m.endpoint_host or ""),
        ("seed", str(m.seed)),
        ("rows asked", ", ".join(f"{k} {v:,}" for k, v in m.rows_requested.items())),
        ("attempts", str(len(m.attempts)) if m.attempts else ""),
        ("tokens", usage),
        ("time", f"{timings.total_s:.1f} s in all: model {timings.llm_s:.1f} s, sandbox "
                 f"{timings.run_s:.1f} s, validation {timings.validate_s:.1f} s"
                 if timings.total_s else ""),
        ("sandbox image", str(m.image.get("reference") or "")),
        ("spec sha256", m.spec_sha256 or ""),
        ("program sha256", m.program_sha256 or ""),
        ("versions", ", ".join(f"{k} {v}" for k, v in m.versions.items())),
    ]  # fmt: skip
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts if v not in ("", None)
    )
    if integrity:
        text = (
            f"changed since saved: {', '.join(changed)}"
            if changed
            else f"all {len(integrity)} files match the sha256 the manifest recorded"
        )
        rows += f"<tr><th>integrity</th><td{_class('bad' if changed else '')}>{esc(text)}</td></tr>"
    parts = [f'<table class="facts">{rows}</table>']
    if m.attempts:
        parts.append(_attempts(m))
    if c.spec_text:
        parts.append(_listing("spec.yaml", c.spec_text, opened=False))
    if c.program:
        parts.append(_listing("program.py", c.program, opened=False))
    return "".join(parts)


def _attempts(m: Any) -> str:
    rows = []
    for a in m.attempts:
        error = (a.error or "").strip().splitlines()
        shown = error[0][:200] if error else ""
        rows.append(
            f'<tr><td class="num">{a.number}</td><td>{esc(a.stage)}</td>'
            f"<td>{esc(a.variant)}</td><td>{esc(a.failure or '')}</td><td>{esc(shown)}</td></tr>"
        )
    head = "<tr><th>#</th><th>stage</th><th>variant</th><th>failure</th><th>error</th></tr>"
    return (
        f'<h3>Attempts</h3><div class="scroll"><table class="grid">{head}{"".join(rows)}'
        "</table></div>"
    )


def _listing(name: str, text: str, *, opened: bool) -> str:
    lines = text.splitlines()
    cut = ""
    if len(lines) > SPEC_SHOWN:
        cut = f"\n… {len(lines) - SPEC_SHOWN} more lines in {name}"
        lines = lines[:SPEC_SHOWN]
    summary = f"{name} ({len(text.splitlines())} lines)"
    return (
        f"<details{' open' if opened else ''}><summary>{esc(summary)}</summary>"
        f"<pre><code>{esc(chr(10).join(lines) + cut)}</code></pre></details>"
    )
