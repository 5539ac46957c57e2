"""`sdgen text SPEC.yaml`: a text dataset for fine-tuning. Parses, calls ``sd.generate_text``,
prints a summary table and, last, the run's directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from codegen.cli.generate import (
    BaseUrlOption,
    DryRunOption,
    ModelOption,
    NoCacheOption,
    OutOption,
)

if TYPE_CHECKING:
    from rich.console import Console

RUNS_ROOT = Path("generated")


def text_command(
    spec: Annotated[Path, typer.Argument(help="The text spec (YAML, kind: text).")],
    out: OutOption = RUNS_ROOT,
    records: Annotated[
        int | None, typer.Option("--records", help="How many records (default: the spec's).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the requests and the split.")] = 0,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    no_cache: NoCacheOption = False,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Requests at once (default: 1 for the embedded model, else 4)."),
    ] = None,
    steer: Annotated[
        bool,
        typer.Option(
            "--steer/--no-steer",
            help="Ask for new topics while the clusters miss the spec's diversity targets.",
        ),
    ] = True,
    embedder: Annotated[
        str,
        typer.Option(
            help="Embeddings: 'auto' (all-MiniLM-L6-v2 offline; OpenAI's with the OpenAI API), "
            "'minilm', 'hashing' (no model) or 'openai'."
        ),
    ] = "auto",
    dry_run: DryRunOption = False,
) -> None:
    """Make input/output records for fine-tuning: checked, deduplicated, measured for
    diversity and steered; saved with train.jsonl/valid.jsonl. The last line printed is the
    saved run's directory."""
    from rich.console import Console

    from codegen.api import generate_text, text_messages

    if dry_run:
        for message in text_messages(spec):
            print(f"--- {message['role']}\n{message['content']}\n")
        return
    console = Console(stderr=True)
    with console.status("generating text records") as status:

        def progress(line: str) -> None:
            status.update(line)
            console.print(f"  {line}")

        run = generate_text(
            spec,
            records=records,
            seed=seed,
            model=model,
            base_url=base_url,
            cache=not no_cache,
            out=out,
            concurrency=concurrency,
            steer=steer,
            embedder=_embedder(embedder),
            progress=progress,
        )
    _summary(console, run.report, run.manifest)
    print(run.path)


def _embedder(choice: str) -> object:
    from codegen.errors import SdgenError

    if choice == "auto":
        return None
    if choice == "hashing":
        from codegen.text.embed import HashingEmbedder

        return HashingEmbedder()
    if choice == "minilm":
        from codegen.text.embed import MiniLMEmbedder

        return MiniLMEmbedder()
    if choice == "openai":
        return "openai"
    raise SdgenError(f"--embedder {choice!r}: use auto, minilm, hashing or openai")


def _summary(console: Console, report: dict, manifest: object) -> None:
    from rich.table import Table

    table = Table(title=f"{report['name']}: {report['records']} of {report['target']} records")
    table.add_column("figure")
    table.add_column("value", justify="right")
    requests = report["requests"]
    rows = [
        ("requests (records)", f"{requests['records']} ({requests['cached']} cached)"),
        ("replies read without loss", f"{requests['replies_read_without_loss']:.0%}"),
        ("records asked / read", f"{report['records_asked']} / {report['records_read']}"),
        ("unreadable", str(report["unreadable"]["total"])),
        ("failed checks", _by(report["failed_checks"]["by_check"])),
        (
            "duplicates exact / near",
            f"{report['duplicates']['exact']} / {report['duplicates']['near']}",
        ),
    ]
    for field, counts in (report.get("values") or {}).items():
        planned = " (planned)" if counts.get("balanced") else ""
        rows.append((f"{field}{planned}", _by(counts["kept"])))
    again = report.get("labels_read_again") or {}
    if again.get("by_label"):
        rows.append(("labels read again", f"{again['confirmed']} confirmed, "
                     f"{again['disagreed']} not, {again['unverified']} unread"))  # fmt: skip
    div = report["diversity"]
    for label in ("before", "after"):
        measured = div.get(label)
        if measured:
            rows.append(
                (
                    f"clusters {label} steering" if div.get("after") else "clusters",
                    f"k={measured['k']} entropy {measured['entropy']:.2f} "
                    f"imbalance {measured['imbalance_ratio']:.1f} "
                    f"distinct-2 {measured['distinct_2']:.2f}",
                )
            )
    rows.append(("diversity targets met", "yes" if div.get("met") else "no"))
    rows.append(("tokens", str(getattr(manifest, "usage", {}).get("total_tokens", 0))))
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    # Said once when it was found, mid-run; said again here, where the run's outcome is read.
    for counts in (again.get("by_label") or {}).values():
        if counts.get("flagged"):
            console.print(f"[bold yellow]warning[/]: {counts['flagged']}", highlight=False)
    if report["records"] < report["target"]:
        console.print(
            f"[bold yellow]warning[/]: {report['records']} of {report['target']} records kept; "
            "report.json says why the others were not",
            highlight=False,
        )


def _by(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in counts.items()) or "0"


def register(app: typer.Typer) -> None:
    app.command("text")(text_command)
