"""Realism probes: what a person who knows the domain would check in a run's tables, written as
DuckDB SQL that returns one boolean ("is the median house 60-160 m2?"), kept per spec in a YAML
file, run over a saved run's Parquet tables and recorded in its manifest.

    from codegen.realism import load_probes, run_probes, record_realism
    results = run_probes(run, load_probes("bench/realism/housing.yaml"))
    record_realism(run.path, results)   # manifest.json "realism": probe name -> result

The modules: ``probes`` (the file: model and loading), ``evaluate`` (DuckDB over a run's tables),
``record`` (into the manifest, atomically).
"""

from __future__ import annotations

from codegen.realism.evaluate import passed_count, run_probes
from codegen.realism.probes import Probe, ProbeFile, load_probes
from codegen.realism.record import record_realism

__all__ = ["Probe", "ProbeFile", "load_probes", "passed_count", "record_realism", "run_probes"]
