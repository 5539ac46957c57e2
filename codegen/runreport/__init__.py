"""The run report: one self-contained HTML file (``<run>/report.html``) to look at a dataset
before using it: per table sample rows, per column a plot and its figures, correlations,
foreign-key fan-out, every rule with how well it holds, realism, and where the run came from.
(Named ``runreport`` rather than ``report`` so that it never shadows the API's ``sd.report``.)

    from codegen.runreport import write_report
    write_report("generated/housing/<run id>")  # -> Path of report.html

The modules, in the order a report is made: ``figures`` (one table's figures, with DuckDB),
``relations`` (rules and foreign keys), ``build`` (collect the figures, write the file),
``plots`` (matplotlib, PNGs embedded as data URIs), ``text`` (values as written, escaping),
``page`` (the HTML, from ``page.html`` and ``page.css``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codegen.runreport.build import REPORT_FILE, collect, write_report

__all__ = ["REPORT_FILE", "collect", "write_report"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from codegen.runreport import build

    return getattr(build, name)
