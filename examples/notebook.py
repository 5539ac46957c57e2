"""A notebook session as a script: generate, read the DataFrames, re-run at 10x, validate, look."""

import codegen as sd

run = sd.generate("examples/housing.yaml", progress=print)  # the embedded local model
housing = run.tables["housing"]  # a pandas DataFrame, read from the run's Parquet
print(housing.head(), housing.describe(), sep="\n")
print(housing.groupby("number_of_bedrooms")["house_price"].median())
bigger = run.rerun(rows=10 * run.rows["housing"])  # offline: the saved program, no LLM
print(bigger.rows, bigger.path)
report = sd.validate(run.spec, bigger.tables, bigger.rows)  # DataFrames or a directory
print("valid:", report.ok, "-", len(report.warnings), "warning(s)")
print("look at it:", sd.report(bigger))  # <run>/report.html: plots, figures, rules, provenance
