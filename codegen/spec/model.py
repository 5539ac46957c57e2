"""Spec v1: the YAML description of a dataset, loaded into typed models and linted.

``load_spec`` (a path or YAML text) and ``parse_spec`` (a dict) return a frozen ``Spec`` or raise
``SpecError`` listing every problem, each prefixed by where it is
(``tables.housing.columns.location_id.references: no table 'locaton' (did you mean 'location'?)``).

Checking happens in two passes: pydantic checks shapes and turns bounds and allowed values into
the column's type; ``_lint`` then checks what spans fields and tables (references, keys, cycles,
min > max, regexes, the SQL of ``check`` rules), because only there are the paths and the whole
spec at hand.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import duckdb
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from codegen.errors import SpecError

__all__ = [
    "COLUMN_TYPES",
    "CheckRule",
    "Column",
    "DecreasingRule",
    "IncreasingRule",
    "Spec",
    "SpecError",
    "Table",
    "load_spec",
    "parse_spec",
    "quote_ident",
    "spec_reference",
]

ColumnType = Literal["integer", "float", "string", "boolean", "date", "datetime"]
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)
ORDERED_TYPES = ("integer", "float", "date", "datetime")  # types min/max apply to
RANKABLE_TYPES = ("integer", "float", "boolean", "date", "datetime")  # types rules can rank
# The SQL type each spec type is checked as (validation casts every source to these).
DUCKDB_TYPES = {
    "integer": "BIGINT",
    "float": "DOUBLE",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # table names become file and SQL names
SPEC_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # the spec name becomes a directory name


def quote_ident(name: str) -> str:
    """A SQL identifier for any column or table name."""
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------- models


def _coerce(value: Any, col_type: str) -> Any:
    """``value`` as a Python value of the column's type, or ValueError saying what was wrong."""
    shown = repr(value) if not isinstance(value, bool) else str(value).lower()
    if col_type == "string":
        if isinstance(value, str):
            return value
        hint = " (YAML reads yes/no/on/off as booleans)" if isinstance(value, bool) else ""
        raise ValueError(f"expected a string, got {shown}; quote it{hint}")
    if col_type == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected true or false, got {shown}")
    if col_type in ("integer", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {shown}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {shown}")
        return float(value) if col_type == "float" else value
    if col_type == "date":
        if isinstance(value, dt.datetime):
            raise ValueError(f"expected a date like 2024-01-31, got the datetime {value}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"expected a date like 2024-01-31, got {shown}")
    # datetime: naive values are taken as UTC; aware ones are converted to UTC
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a datetime like 2024-01-31 08:30:00, got {shown}") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise ValueError(f"expected a datetime like 2024-01-31 08:30:00, got {shown}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TypicalAfter(_Model):
    """How long after another column of its row a date or time typically is."""

    column: str = Field(description="The column it comes after (a ride's started_at).")
    typical: float = Field(
        gt=0, description="The typical gap: minutes for datetime columns, days for dates."
    )
    typical_range: list[float] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="[low, high]: where most gaps lie (the 10th and 90th percentiles).",
        json_schema_extra={"yaml_type": "[number, number]"},
    )


class OfParent(_Model):
    """How a number follows a number of the row one of its references points at."""

    column: str = Field(
        description="`reference.column`: a reference column of this table, then a number "
        "column of the table it points at (`aircraft_id.seats`)."
    )
    relation: Literal["at_most", "same", "times", "each"] = Field(
        description="`at_most`: never more than the parent's value (a flight's passengers, its "
        "aircraft's seats); `same`: the parent's value on most rows (a line's unit price, its "
        "product's price); `times`: a multiple of it (a lease's deposit, three months' rent); "
        "`each`: the parent's value for each unit of `per` (a till line's total, its product's "
        "price times its quantity)."
    )
    share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="For `at_most`: the typical value as a share of the parent's (a load "
        "factor of 0.8); without it, values are drawn as the column's and capped.",
    )
    times: float | None = Field(
        None,
        gt=0,
        description="For `times`: how many times the parent's value a row's typically is (a "
        "deposit of 3 monthly rents).",
    )
    per: str | None = Field(
        None,
        description="For `each`: how many units of the parent's value a row holds, as SQL over "
        "the row's own columns (`quantity`; a hire's `date_diff('day', picked_up_on, "
        "returned_on)` at its car's daily rate).",
    )


class Follows(_Model):
    """How a number rises or falls with another column of its own row."""

    column: str = Field(
        description="A date, datetime or number column of the same table (a car's "
        "`first_registered`), or `reference.column`: one of the row its reference points at "
        "(an application's `candidate_id.years_experience`)."
    )
    direction: Literal["rises", "falls"] = Field(
        description="`rises`: larger where that column is larger; `falls`: smaller (a car "
        "registered later has driven less)."
    )
    rho: float = Field(
        0.8,
        gt=0,
        lt=1,
        description="How closely: the correlation of the two columns' ranks, before the "
        "column's bounds and checks.",
    )
    since: str | None = Field(
        None,
        description="With a date or datetime `column`: another of the row, so the number "
        "follows the time from `since` to `column` (a parking fee, the stay from `entered_at` "
        "to `left_at`).",
    )


class Column(_Model):
    """One column of a table."""

    type: ColumnType = Field(description="The column's type.")
    primary_key: StrictBool = Field(
        False,
        description="Part of the table's primary key: unique and never null. Several columns "
        "marked so form one composite key.",
    )
    unique: StrictBool = Field(False, description="No value appears twice (nulls excepted).")
    nullable: StrictBool = Field(False, description="Nulls are allowed.")
    min: Any = Field(
        None,
        description="Smallest allowed value (integer, float, date and datetime columns).",
        json_schema_extra={"yaml_type": "number | date | datetime"},
    )
    max: Any = Field(
        None,
        description="Largest allowed value (integer, float, date and datetime columns).",
        json_schema_extra={"yaml_type": "number | date | datetime"},
    )
    values: list[Any] | None = Field(
        None,
        description="The only values allowed, of the column's type.",
        json_schema_extra={"yaml_type": "list of values"},
    )
    pattern: str | None = Field(
        None,
        description="Regular expression every value must match in full (string columns; RE2 "
        "syntax, which Python's re also accepts for ordinary patterns).",
    )
    references: str | None = Field(
        None,
        description="Foreign key `table.column`: every non-null value appears in that column, "
        "which must be a primary key or unique.",
    )
    description: str | None = Field(None, description="What the column means, for the LLM.")
    weights: list[float] | None = Field(
        None,
        description="How often each of `values` occurs in real data, in the same order (any "
        "scale: [70, 25, 5] or [0.7, 0.25, 0.05]). Without it, values are about equally common.",
        json_schema_extra={"yaml_type": "list of numbers"},
    )
    typical: float | None = Field(
        None,
        description="The value a row typically has in real data: the median (integer and float "
        "columns), drawn around rather than evenly between min and max; for a date or datetime "
        "column, the median year (1998.5); for a boolean column, the share of rows that are "
        "true (0 to 1).",
    )
    typical_range: list[float] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="[low, high]: where most values lie in real data, the 10th and 90th "
        "percentiles (integer, float and, in years, date columns, with typical). A range "
        "further above typical than below it gives a right-skewed column, as prices are.",
        json_schema_extra={"yaml_type": "[number, number]"},
    )

    zero_share: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="The share of rows that are exactly 0 in real data, 0 to 1 (no discount, "
        "no overdraft), for integer and float columns with typical whose bounds allow 0; the "
        "other rows are drawn around typical.",
    )
    null_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="The share of rows that are null in real data, 0 to 1 (nullable columns "
        "whose nulls no check decides; without it, about one row in ten).",
    )
    typical_after: TypicalAfter | None = Field(
        None,
        description="For a date or datetime that comes after another of its row (a ride's end "
        "after its start): `{column: started_at, typical: 25, typical_range: [8, 60]}`, the gap "
        "in minutes (days for dates).",
        json_schema_extra={"yaml_type": "{column, typical, typical_range}"},
    )
    of_parent: OfParent | None = Field(
        None,
        description="For an integer or float column that follows a number of its parent row: "
        "`{column: aircraft_id.seats, relation: at_most, share: 0.8}` (passengers are at most "
        "the aircraft's seats, typically 80% of them).",
        json_schema_extra={"yaml_type": "{column, relation, share}"},
    )
    follows: Follows | None = Field(
        None,
        description="For an integer or float column with a typical value that rises or falls "
        "with another column of its row: `{column: first_registered, direction: falls}` (a "
        "used car's mileage: the later it was registered, the fewer km). Its values keep their "
        "typical median and spread; only their order follows that column.",
        json_schema_extra={"yaml_type": "{column, direction, rho, since}"},
    )
    typical_by: dict[str, dict[str, float]] | None = Field(
        None,
        description="The typical value for each value of one category column: `{category: "
        "{tents: 250, clothing: 45}}` (a tent costs more than a shirt), for integer and float "
        "columns (each row drawn around its category's value: with typical, with the column's "
        "spread; without, log-normal with each value's sign, so a bank movement's kind may be "
        "`{salary: 2500, card: -35}`) and for booleans (each category's share of true rows). "
        "The category is a "
        "column of this table with `values`, or a reference to a table that lists its rows' "
        "kinds (`house_type_id: {Detached: 160, Apartment: 75}`).",
        json_schema_extra={"yaml_type": "{column: {value: number}}"},
    )
    values_by: dict[str, dict[str, list[str]]] | None = Field(
        None,
        description="The values a string column takes for each value of one category column: "
        "`{category: {pizza: [Margherita, Diavola], drink: [Espresso, Birra Moretti]}}` (a "
        "menu item's name agrees with its category); each row's value is drawn from its "
        "category's list (a unique column: each listed value once, numbered only past the "
        "list). The category is as for `typical_by`.",
        json_schema_extra={"yaml_type": "{column: {value: [string]}}"},
    )
    variants: list[str] | None = Field(
        None,
        description="For a unique string column drawn from a list: the words that tell two of "
        "its things of one name apart, as written after the name (a size, a strength, an "
        "edition: `[1 kg, 500 g, organic]`). Where the list has fewer names than the table "
        "has rows, a name's second row takes its first variant (`Whole milk 1 kg`), and so on; "
        "a name is numbered only past its variants.",
        json_schema_extra={"yaml_type": "[string]"},
    )

    @field_validator("min", "max", mode="before")
    @classmethod
    def _bound_of_column_type(cls, value: Any, info: ValidationInfo) -> Any:
        col_type = info.data.get("type")
        if value is None or col_type is None:
            return value
        if col_type not in ORDERED_TYPES:
            raise ValueError(f"{info.field_name} applies to {', '.join(ORDERED_TYPES)} columns")
        # an integer column may have a fractional bound ("at least 0.5" means at least 1)
        return _coerce(value, col_type)

    @field_validator("values", mode="before")
    @classmethod
    def _values_of_column_type(cls, value: Any, info: ValidationInfo) -> Any:
        col_type = info.data.get("type")
        if not isinstance(value, list) or col_type is None:
            return value
        coerced = []
        for index, item in enumerate(value):
            if col_type == "integer" and isinstance(item, float):
                if not item.is_integer():
                    raise ValueError(f"item {index}: expected an integer, got {item!r}")
                item = int(item)
            try:
                coerced.append(_coerce(item, col_type))
            except ValueError as exc:
                raise ValueError(f"item {index}: {exc}") from None
        return coerced


class IncreasingRule(_Model):
    """The second column rises with the first (Spearman rho at least ``min_rho``)."""

    increasing: list[str] = Field(
        min_length=2, max_length=2, description="[x, y]: y tends to rise as x rises."
    )
    min_rho: float = Field(0.3, ge=0, le=1, description="Smallest Spearman rho accepted.")
    description: str | None = Field(None, description="Why the rule holds, for the LLM.")


class DecreasingRule(_Model):
    """The second column falls as the first rises (Spearman rho at most ``-min_rho``)."""

    decreasing: list[str] = Field(
        min_length=2, max_length=2, description="[x, y]: y tends to fall as x rises."
    )
    min_rho: float = Field(0.3, ge=0, le=1, description="Smallest size of the negative rho.")
    description: str | None = Field(None, description="Why the rule holds, for the LLM.")


class CheckRule(_Model):
    """A per-row SQL condition."""

    check: str = Field(
        min_length=1,
        description="SQL boolean expression over the table's columns (DuckDB dialect). Like a "
        "SQL CHECK constraint, a row fails only where it is false, not where it is null.",
    )
    min_fraction: float = Field(
        1.0, ge=0, le=1, description="Share of rows on which the condition must not be false."
    )
    description: str | None = Field(None, description="Why the rule holds, for the LLM.")


RULE_KINDS = {"increasing": IncreasingRule, "decreasing": DecreasingRule, "check": CheckRule}


def _rule_kind(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return next((kind for kind in RULE_KINDS if kind in value), None)
    return next((kind for kind, cls in RULE_KINDS.items() if isinstance(value, cls)), None)


Rule = Annotated[
    Union[  # noqa: UP007 - Tag needs the Union form
        Annotated[IncreasingRule, Tag("increasing")],
        Annotated[DecreasingRule, Tag("decreasing")],
        Annotated[CheckRule, Tag("check")],
    ],
    Discriminator(_rule_kind),
]


class Table(_Model):
    """One table: its columns and the rules its rows follow."""

    rows: StrictInt = Field(ge=0, description="Rows a run asks for (validation checks this count).")
    description: str | None = Field(None, description="What a row is, for the LLM.")
    columns: dict[str, Column] = Field(min_length=1, description="Column name -> column.")
    rules: list[Rule] = Field(
        default_factory=list,
        description="Relationships between columns: `increasing`, `decreasing`, `check`.",
    )

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The primary key's columns (empty when the table has none)."""
        return tuple(name for name, col in self.columns.items() if col.primary_key)


class Spec(_Model):
    """A dataset: named tables, their columns, keys and rules."""

    name: str = Field(pattern=SPEC_NAME_PATTERN, description="Dataset name (used for folders).")
    description: str | None = Field(None, description="What the dataset is, for the LLM.")
    tables: dict[str, Table] = Field(min_length=1, description="Table name -> table.")

    @classmethod
    def from_yaml(cls, path_or_text: str | Path) -> Spec:
        """A spec from a YAML file or YAML text; ``SpecError`` names every problem."""
        return load_spec(path_or_text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spec:
        """A spec built in Python (the YAML's shape as dicts and lists), checked as a file is."""
        return parse_spec(data)

    def to_yaml(self) -> str:
        """The spec as YAML (what a run saves as ``spec.yaml``); ``from_yaml`` reads it back."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def references(self) -> Iterator[tuple[str, str, str, str]]:
        """Every foreign key as (table, column, referenced table, referenced column)."""
        for table_name, table in self.tables.items():
            for col_name, col in table.columns.items():
                if col.references:
                    ref_table, _, ref_col = col.references.partition(".")
                    yield table_name, col_name, ref_table, ref_col

    def generation_order(self) -> list[str]:
        """Tables in the order they must be generated: referenced tables before referencing ones.

        Ties keep the spec's order; self-references (a manager_id in employees) impose nothing.
        """
        needs = {name: set() for name in self.tables}
        for table, _, ref_table, _ in self.references():
            if ref_table != table and ref_table in needs:
                needs[table].add(ref_table)
        order: list[str] = []
        while len(order) < len(needs):
            ready = [t for t in needs if t not in order and needs[t] <= set(order)]
            if not ready:  # a cycle; parse_spec rejects these, so only reachable on raw models
                ready = [t for t in needs if t not in order]
            order.append(ready[0])
        return order


# ----------------------------------------------------------------------------------- loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]]


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, list | dict):
            continue  # unhashable; the model check reports it
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", mark
            ) from None
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text: the models parse them per column type, so a bad date gets a precise place and
# a date in a string column stays a string.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_spec(path_or_text: str | Path) -> Spec:
    """Load a spec from a file path or from YAML text; raise SpecError naming every problem."""
    return parse_spec(read_yaml(path_or_text))


def read_yaml(path_or_text: str | Path) -> Any:
    """The YAML of a spec file or text, read as every spec kind reads it: duplicate keys refused,
    dates left as text; ``SpecError`` with the line and column of a YAML error."""
    text = str(path_or_text)
    looks_like_path = isinstance(path_or_text, Path) or (
        "\n" not in text and text.strip().lower().endswith((".yaml", ".yml", ".json"))
    )
    if looks_like_path:
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SpecError([f"{path}: cannot read the spec: {reason}"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError([f"{where}YAML error: {problem}"]) from None
    return data


def parse_spec(data: Any) -> Spec:
    """Turn a parsed YAML/JSON mapping into a Spec; raise SpecError naming every problem."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise SpecError([f"spec: expected a mapping with name and tables, got {kind}"])
    if data.get("kind") == "text":
        raise SpecError(["kind: this is a text spec (kind: text); make it with `sdgen text`"])
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_explain(exc)) from None
    problems = _lint(spec)
    if problems:
        raise SpecError(problems)
    return spec


# ------------------------------------------------------------------------- pydantic -> text


def _did_you_mean(word: str, candidates: Any) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        elif i >= 2 and loc[i - 2] == "rules" and isinstance(loc[i - 1], int):
            continue  # the union tag pydantic inserts after rules[i]
        else:
            text += f".{part}" if text else str(part)
    return text or "spec"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose keys live at ``loc`` (the location of a mapping in the spec)."""
    if len(loc) == 0:
        return Spec
    if len(loc) == 2 and loc[0] == "tables":
        return Table
    if len(loc) == 4 and loc[0] == "tables" and loc[2] == "columns":
        return Column
    if len(loc) == 5 and loc[0] == "tables" and loc[2] == "rules" and loc[4] in RULE_KINDS:
        return RULE_KINDS[loc[4]]
    return None


def _explain(exc: ValidationError) -> list[str]:
    return explain(exc, _model_at, _table_problem)


def _table_problem(loc: tuple[Any, ...], kind: str, given: Any, msg: str) -> str | None:
    """What only a table spec can get wrong: a key that is not text, a column's type, a rule's
    kind, a validator's own words."""
    if loc and loc[-1] == "[key]":
        return f"{_path(loc[:-2])}: key {given!r} must be text; quote it"
    if kind == "literal_error" and loc[-1] == "type":
        return (
            f"{_path(loc)}: unknown type {given!r}{_did_you_mean(given, COLUMN_TYPES)}; "
            f"use one of {', '.join(COLUMN_TYPES)}"
        )
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return f"{_path(loc)}: a rule needs one of {', '.join(RULE_KINDS)}"
    if kind == "value_error":
        return f"{_path(loc)}: {msg.removeprefix('Value error, ')}"
    return None


def explain(
    exc: ValidationError,
    model_at: Callable[[tuple[Any, ...]], type[BaseModel] | None],
    special: Callable[[tuple[Any, ...], str, Any, str], str | None],
) -> list[str]:
    """pydantic's errors as one line each, placed in the spec: unknown keys with a did-you-mean
    from the model at that place (``model_at``), missing keys, mappings expected, the name's
    pattern; ``special`` words a spec kind's own cases first (None: not one of them)."""
    problems = []
    for error in exc.errors(include_url=False):
        loc, kind, given = tuple(error["loc"]), error["type"], error.get("input")
        own = special(loc, kind, given, error["msg"])
        if own is not None:
            problems.append(own)
        elif kind == "extra_forbidden":
            model = model_at(loc[:-1])
            allowed = list(model.model_fields) if model else []
            hint = _did_you_mean(loc[-1], allowed) or (
                f" (allowed: {', '.join(allowed)})" if allowed else ""
            )
            problems.append(f"{_path(loc[:-1])}: unknown key '{loc[-1]}'{hint}")
        elif kind == "missing":
            problems.append(f"{_path(loc[:-1])}: missing key '{loc[-1]}'")
        elif kind == "model_type" or kind == "dict_type":
            problems.append(f"{_path(loc)}: expected a mapping, got {_shown(given)}")
        elif kind == "string_pattern_mismatch" and loc == ("name",):
            problems.append(
                f"name: {given!r} must start with a letter or digit and hold only letters, "
                "digits, '_', '.', '-'"
            )
        else:
            msg = error["msg"][0].lower() + error["msg"][1:]
            got = "" if kind in ("too_long", "too_short") else f", got {_shown(given)}"
            problems.append(f"{_path(loc)}: {msg}{got}")
    return problems


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


# ------------------------------------------------------------------------------------- lint


def _lint(spec: Spec) -> list[str]:
    """Problems pydantic cannot see: those spanning fields, tables, regexes and SQL."""
    problems: list[str] = []
    problems += _lint_names(spec)
    for table_name, table in spec.tables.items():
        for col_name, col in table.columns.items():
            problems += _lint_column(f"tables.{table_name}.columns.{col_name}", col, table)
    problems += _lint_references(spec)
    problems += _lint_rules(spec)
    problems += _lint_typical_by(spec)
    problems += _lint_values_by(spec)
    problems += _lint_variants(spec)
    problems += _lint_of_parent(spec)
    problems += _lint_follows(spec)
    return problems


def parent_column(
    spec: Spec, table_name: str, name: str, field: str = "of_parent"
) -> tuple[str, str, str, str] | None:
    """(reference column, parent table, parent key, parent column) of a column's ``of_parent``
    (or ``follows``, with ``field``), None where it has none or names no such columns."""
    col = spec.tables[table_name].columns[name]
    said = getattr(col, field)
    if said is None or "." not in said.column:
        return None
    via, other = said.column.split(".", 1)
    reference = spec.tables[table_name].columns.get(via)
    if reference is None or not reference.references or "." not in reference.references:
        return None
    parent, key = reference.references.split(".", 1)
    if parent == table_name or parent not in spec.tables:
        return None
    if other not in spec.tables[parent].columns:
        return None
    return via, parent, key, other


def _lint_of_parent(spec: Spec) -> list[str]:
    problems = []
    for table_name, table in spec.tables.items():
        for col_name, col in table.columns.items():
            if col.of_parent is None:
                continue
            where = f"tables.{table_name}.columns.{col_name}.of_parent"
            if col.type not in ("integer", "float"):
                problems.append(f"{where}: applies to integer and float columns")
                continue
            found = parent_column(spec, table_name, col_name)
            if found is None:
                problems.append(
                    f"{where}.column: '{col.of_parent.column}' is not a reference column of "
                    f"{table_name} to another table, then a column of that table"
                )
                continue
            _, parent, _, other = found
            if spec.tables[parent].columns[other].type not in ("integer", "float"):
                problems.append(f"{where}.column: {parent}.{other} is not a number")
            if col.of_parent.share is not None and col.of_parent.relation != "at_most":
                problems.append(f"{where}.share: applies to relation at_most")
            if (col.of_parent.times is None) != (col.of_parent.relation != "times"):
                problems.append(f"{where}.times: relation times needs it, and only it")
            if (col.of_parent.per is None) != (col.of_parent.relation != "each"):
                problems.append(f"{where}.per: relation each needs it, and only it")
            elif col.of_parent.per is not None:
                problems += _per_problems(f"{where}.per", col.of_parent.per, table, col_name)
    return problems


def _per_problems(where: str, text: str, table: Table, name: str) -> list[str]:
    """Why ``per`` cannot say how many units a row holds: no SQL, not of the row's own other
    columns alone, or a condition rather than a number."""
    from sqlglot import exp

    from codegen.spec.checks import parse_check

    parsed = parse_check(text, table)
    if parsed.tree is None:
        return [f"{where}: not SQL ({parsed.error})"]
    if not parsed.row_level or not parsed.columns:
        return [f"{where}: '{text}' does not read columns of this table's row alone"]
    if name in parsed.columns:
        return [f"{where}: '{text}' reads the column itself"]
    if isinstance(parsed.tree, exp.Predicate | exp.Connector | exp.Not):
        return [f"{where}: '{text}' is a condition, not a number"]
    kinds = {table.columns[c].type for c in parsed.columns}
    if not kinds <= {"integer", "float", "date", "datetime"}:
        return [f"{where}: '{text}' reads columns that are not numbers or times"]
    return []


def _lint_follows(spec: Spec) -> list[str]:
    problems = []
    for table_name, table in spec.tables.items():
        for col_name, col in table.columns.items():
            if col.follows is None:
                continue
            where = f"tables.{table_name}.columns.{col_name}.follows"
            if col.type not in ("integer", "float"):
                problems.append(f"{where}: applies to integer and float columns")
                continue
            elsewhere = "." in col.follows.column  # a number of the row a reference points at
            if elsewhere:
                found = parent_column(spec, table_name, col_name, "follows")
                source = found and spec.tables[found[1]].columns[found[3]]
                missing = "is not a reference of {} and a column of the table it points at"
            else:
                source = table.columns.get(col.follows.column)
                source = None if col.follows.column == col_name else source
                missing = "is not another column of {}"
            if source is None:
                problems.append(
                    f"{where}.column: '{col.follows.column}' {missing.format(table_name)}"
                )
            elif source.type not in ("integer", "float", "date", "datetime"):
                problems.append(f"{where}.column: {col.follows.column} is not a date or a number")
            elif col.follows.since is not None and elsewhere:
                problems.append(f"{where}.since: not with a column of another table")
            elif col.follows.since is not None:
                start = table.columns.get(col.follows.since)
                if start is None or col.follows.since in (col_name, col.follows.column):
                    problems.append(
                        f"{where}.since: '{col.follows.since}' is not another column of "
                        f"{table_name}"
                    )
                elif start.type != source.type or source.type not in ("date", "datetime"):
                    problems.append(
                        f"{where}.since: {col.follows.since} and {col.follows.column} must be "
                        "both dates or both datetimes"
                    )
    return problems


def category_of(spec: Spec, table_name: str, name: str) -> tuple[str, str, list[Any]] | None:
    """(table, column, values) of the category a column of ``table_name`` names: the column
    itself when it lists its values, or for a reference, the one listed column of the table it
    points at (house_type_id -> house_types.house_type); None when it names no category."""
    column = spec.tables[table_name].columns.get(name)
    if column is None:
        return None
    if column.values and not column.primary_key:
        return table_name, name, list(column.values)
    if column.references and "." in column.references:
        parent, _ = column.references.split(".", 1)
        if parent != table_name and parent in spec.tables:
            listed = [
                (c_name, c.values)
                for c_name, c in spec.tables[parent].columns.items()
                if c.values and not c.primary_key
            ]
            if len(listed) == 1:
                return parent, listed[0][0], list(listed[0][1])
    return None


def _lint_typical_by(spec: Spec) -> list[str]:
    problems = []
    for table_name, table in spec.tables.items():
        for col_name, col in table.columns.items():
            if col.typical_by is None:
                continue
            where = f"tables.{table_name}.columns.{col_name}.typical_by"
            if col.type not in ("integer", "float", "boolean"):
                problems.append(f"{where}: applies to integer, float and boolean columns")
                continue
            if len(col.typical_by) != 1:
                problems.append(f"{where}: name one category column")
                continue
            ((category, typical),) = col.typical_by.items()
            found = category_of(spec, table_name, category)
            if found is None:
                problems.append(
                    f"{where}: '{category}' is not a column of {table_name} with values, nor a "
                    "reference to a table with one column of values"
                )
                continue
            listed = {str(v) for v in found[2]}
            for value, number in typical.items():
                if value not in listed:
                    problems.append(f"{where}.{value}: not one of {found[0]}.{found[1]}'s values")
                elif col.type == "boolean" and not 0 <= number <= 1:
                    problems.append(f"{where}.{value}: a share of true rows is 0 to 1")
                elif col.min is not None and number < col.min:
                    problems.append(f"{where}.{value}: {_show(number)} is below min")
                elif col.max is not None and number > col.max:
                    problems.append(f"{where}.{value}: {_show(number)} is above max")
    return problems


def _lint_variants(spec: Spec) -> list[str]:
    problems = []
    for table_name, table in spec.tables.items():
        for col_name, col in table.columns.items():
            if col.variants is None:
                continue
            where = f"tables.{table_name}.columns.{col_name}.variants"
            if col.type != "string" or not (col.unique or col.primary_key):
                problems.append(f"{where}: applies to unique string columns")
            elif col.values is not None or col.pattern is not None:
                problems.append(
                    f"{where}: applies to columns drawn from a list, not values or a pattern"
                )
            elif not all(v.strip() for v in col.variants) or len(set(col.variants)) < len(
                col.variants
            ):
                problems.append(f"{where}: each variant is some words, each once")
    return problems


def _lint_values_by(spec: Spec) -> list[str]:
    problems = []
    for table_name, table in spec.tables.items():
        for col_name, col in table.columns.items():
            if col.values_by is None:
                continue
            where = f"tables.{table_name}.columns.{col_name}.values_by"
            if col.type != "string" or col.values is not None:
                problems.append(f"{where}: applies to string columns without values")
                continue
            if len(col.values_by) != 1:
                problems.append(f"{where}: name one category column")
                continue
            ((category, lists),) = col.values_by.items()
            found = category_of(spec, table_name, category)
            if found is None or category == col_name:
                problems.append(
                    f"{where}: '{category}' is not a column of {table_name} with values, nor a "
                    "reference to a table with one column of values"
                )
                continue
            listed = {str(v) for v in found[2]}
            missing = [v for v in map(str, found[2]) if v not in lists]
            if (col.unique or col.primary_key) and missing:
                problems.append(f"{where}: a unique column lists values for every category, not "
                                f"for {', '.join(missing)}")  # fmt: skip
            for value, strings in lists.items():
                if value not in listed:
                    problems.append(f"{where}.{value}: not one of {found[0]}.{found[1]}'s values")
                elif not strings:
                    problems.append(f"{where}.{value}: list at least one value")
                elif col.pattern is not None and (
                    bad := next((v for v in strings if not re.fullmatch(col.pattern, v)), None)
                ):
                    problems.append(f"{where}.{value}: {bad!r} does not match the pattern")
    return problems


def _lint_names(spec: Spec) -> list[str]:
    problems = []
    lowered: dict[str, str] = {}
    for table_name in spec.tables:
        if not re.fullmatch(NAME_PATTERN, table_name):
            problems.append(
                f"tables.{table_name}: a table name holds only letters, digits and '_' and does "
                "not start with a digit (it names a file and a SQL table)"
            )
        if table_name.lower() in lowered:
            other = lowered[table_name.lower()]
            problems.append(f"tables.{table_name}: differs from table '{other}' only in case")
        lowered[table_name.lower()] = table_name
    for table_name, table in spec.tables.items():
        seen: dict[str, str] = {}
        for col_name in table.columns:
            where = f"tables.{table_name}.columns.{col_name}"
            if not col_name.strip() or col_name != col_name.strip() or "\n" in col_name:
                problems.append(f"{where}: a column name needs text without outer spaces")
            if col_name.lower() in seen:
                problems.append(
                    f"{where}: differs from column '{seen[col_name.lower()]}' only in case "
                    "(SQL treats them as one)"
                )
            seen[col_name.lower()] = col_name
    return problems


def _lint_column(where: str, col: Column, table: Table) -> list[str]:
    problems = []
    if col.min is not None and col.max is not None and col.min > col.max:
        problems.append(f"{where}: min {_show(col.min)} is greater than max {_show(col.max)}")
    if col.primary_key and col.nullable:
        problems.append(f"{where}: a primary key cannot be nullable")
    if col.primary_key and col.type in ("float", "boolean"):
        problems.append(f"{where}: a primary key must be integer, string, date or datetime")
    if col.pattern is not None:
        if col.type != "string":
            problems.append(f"{where}.pattern: pattern applies to string columns only")
        else:
            problems += [f"{where}.pattern: {p}" for p in _regex_problems(col.pattern)]
    if col.values is not None:
        problems += _lint_values(where, col, table)
    problems += _lint_typical(where, col)
    if col.typical_after is not None:
        after = col.typical_after
        other = table.columns.get(after.column)
        timed = ("date", "datetime")
        if col.type not in timed or other is None or other.type not in timed:
            problems.append(
                f"{where}.typical_after: applies to a date or datetime after another date or "
                "datetime column of its table"
            )
        spread = after.typical_range
        if spread is not None and not 0 <= spread[0] <= after.typical <= spread[1]:
            problems.append(f"{where}.typical_after.typical_range: a range around typical, >= 0")
    if col.null_share is not None and not col.nullable:
        problems.append(f"{where}.null_share: applies to nullable columns")
    if col.weights is not None:
        if col.values is None or len(col.weights) != len(col.values):
            problems.append(f"{where}.weights: give one weight for each of values, in order")
        elif any(w < 0 for w in col.weights) or sum(col.weights) <= 0:
            problems.append(f"{where}.weights: weights are zero or more, not all zero")
    return problems


def _lint_typical(where: str, col: Column) -> list[str]:
    if col.zero_share is not None and col.typical is None:
        return [f"{where}.zero_share: give typical too (what the other rows are drawn around)"]
    if col.typical is None and col.typical_range is None:
        return []
    if col.type == "boolean" and col.typical_range is None and col.typical is not None:
        if not 0 <= col.typical <= 1:
            return [
                f"{where}.typical: a boolean's typical is the share of rows that are true, 0 to 1"
            ]
        return []
    if col.type not in ("integer", "float", "date", "datetime"):
        return [
            f"{where}.typical: typical applies to integer, float, date, datetime and boolean "
            "columns, typical_range to all but boolean ones"
        ]
    if col.typical is None:
        return [f"{where}.typical_range: give typical too (the median the range is around)"]
    problems = []
    if col.zero_share is not None and not (
        col.type in ("integer", "float")
        and (col.min is None or col.min <= 0)
        and (col.max is None or col.max >= 0)
    ):
        problems.append(f"{where}.zero_share: for integer and float columns whose bounds allow 0")
    dated = col.type in ("date", "datetime")  # typical and its range are years (1990.5)
    lowest = col.min.year if dated and col.min is not None else col.min
    highest = col.max.year + 1 if dated and col.max is not None else col.max
    if lowest is not None and col.typical < lowest:
        problems.append(f"{where}.typical: {_show(col.typical)} is below min {_show(col.min)}")
    if highest is not None and col.typical > highest:
        problems.append(f"{where}.typical: {_show(col.typical)} is above max {_show(col.max)}")
    if col.typical_range is not None:
        low, high = col.typical_range
        if not low <= col.typical <= high or low == high:
            problems.append(
                f"{where}.typical_range: [{_show(low)}, {_show(high)}] must be a range around "
                f"typical {_show(col.typical)} (low <= typical <= high, low < high)"
            )
    return problems


def _lint_values(where: str, col: Column, table: Table) -> list[str]:
    problems = []
    values = col.values or []
    if not values:
        problems.append(f"{where}.values: list at least one value")
    seen: list[Any] = []
    for value in values:
        if value in seen:
            problems.append(f"{where}.values: {value!r} is listed twice")
        seen.append(value)
        if col.min is not None and value < col.min:
            problems.append(f"{where}.values: {_show(value)} is below min {_show(col.min)}")
        if col.max is not None and value > col.max:
            problems.append(f"{where}.values: {_show(value)} is above max {_show(col.max)}")
        if col.pattern is not None and col.type == "string" and not _regex_problems(col.pattern):
            if not re.fullmatch(col.pattern, value):
                problems.append(f"{where}.values: {value!r} does not match the pattern")
    single_key = col.primary_key and len(table.primary_key) == 1
    if (col.unique or single_key) and values and len(set(values)) < table.rows:
        problems.append(
            f"{where}: unique with {len(set(values))} allowed values cannot fill "
            f"{table.rows} rows"
        )
    return problems


def _show(value: Any) -> str:
    """A bound or value as written in YAML: 15 rather than 15.0, dates in ISO form."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _regex_problems(pattern: str) -> list[str]:
    """Why the pattern fails under RE2 (what validation runs) or Python's re (what programs use)."""
    problems = []
    try:
        re.compile(pattern)
    except re.error as exc:
        problems.append(f"not a valid regular expression for Python: {exc}")
    with duckdb.connect(config={"enable_external_access": False}) as con:
        try:
            con.execute("SELECT regexp_full_match('', $1)", [pattern]).fetchall()
        except duckdb.Error as exc:
            problems.append(f"not a valid RE2 regular expression: {_first_line(exc)}")
    return (problems + _dialect_problems(pattern))[:1]


def _dialect_problems(pattern: str) -> list[str]:
    """Spellings both Python's re and RE2 accept but read differently, outside escapes: ``{,n}``
    (0 to n times for Python, the text ``{,n}`` for RE2) and POSIX classes (``[[:alpha:]]``, a
    class for RE2, the characters ``[:alph`` and then ``]`` for Python)."""
    position, in_class, class_start = 0, False, 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            if re.match(r"\[:\^?[a-z]+:\]", pattern[position:]):
                return [
                    "POSIX classes such as [[:alpha:]] mean something else to Python's re, "
                    "which programs use: write [A-Za-z] and the like"
                ]
            in_class = not (char == "]" and position > class_start)
        elif char == "[":
            in_class = True
            class_start = position + (2 if pattern[position + 1 : position + 2] == "^" else 1)
        elif char == "{" and re.match(r"\{,\d+\}", pattern[position:]):
            return [
                "{,n} is 0 to n repeats for Python's re but the text '{,n}' for RE2 "
                "(validation): write {0,n}"
            ]
        position += 1
    return []


def _lint_references(spec: Spec) -> list[str]:
    problems = []
    edges: dict[str, set[str]] = {name: set() for name in spec.tables}
    for table_name, col_name, ref_table, ref_col in spec.references():
        where = f"tables.{table_name}.columns.{col_name}.references"
        col = spec.tables[table_name].columns[col_name]
        if not ref_table or not ref_col:
            problems.append(f"{where}: expected 'table.column', got {col.references!r}")
            continue
        if ref_table not in spec.tables:
            problems.append(
                f"{where}: no table '{ref_table}'{_did_you_mean(ref_table, spec.tables)}"
            )
            continue
        target_table = spec.tables[ref_table]
        if ref_col not in target_table.columns:
            problems.append(
                f"{where}: table '{ref_table}' has no column '{ref_col}'"
                f"{_did_you_mean(ref_col, target_table.columns)}"
            )
            continue
        target = target_table.columns[ref_col]
        if not target_table.primary_key and not target.unique:
            problems.append(
                f"{where}: table '{ref_table}' has no primary key; mark {ref_table}.{ref_col} "
                "primary_key: true"
            )
        elif target_table.primary_key != (ref_col,) and not target.unique:
            problems.append(
                f"{where}: {ref_table}.{ref_col} is neither the primary key nor unique, so it "
                "cannot be referenced"
            )
        if target.type != col.type:
            problems.append(
                f"{where}: {col.type} column cannot reference {ref_table}.{ref_col} of type "
                f"{target.type}"
            )
        if target_table.rows == 0 and spec.tables[table_name].rows > 0 and not col.nullable:
            problems.append(
                f"{where}: '{ref_table}' has rows: 0, so non-null {col_name} values cannot exist"
            )
        if ref_table != table_name:
            edges[table_name].add(ref_table)
    cycle = _find_cycle(edges)
    if cycle:
        problems.append(
            f"tables.{cycle[0]}: reference cycle {' -> '.join(cycle)}; tables must be generable "
            "in an order (self-references are fine)"
        )
    return problems


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle in the table graph, as a closed path of names, or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in edges:
        if node not in state and (found := visit(node)):
            return found
    return None


def _lint_rules(spec: Spec) -> list[str]:
    problems = []
    with duckdb.connect(config={"enable_external_access": False}) as con:
        for table_name, table in spec.tables.items():
            # columns differing only in case are reported already and cannot form a SQL table
            bindable = len({name.lower() for name in table.columns}) == len(table.columns)
            has_check = any(isinstance(rule, CheckRule) for rule in table.rules)
            if (
                has_check and bindable
            ):  # an empty table of the right columns to bind the SQL against
                cols = ", ".join(
                    f"{quote_ident(n)} {DUCKDB_TYPES[c.type]}" for n, c in table.columns.items()
                )
                con.execute(f"CREATE OR REPLACE TABLE {quote_ident(table_name)} ({cols})")
            for index, rule in enumerate(table.rules):
                where = f"tables.{table_name}.rules[{index}]"
                if isinstance(rule, CheckRule):
                    if not bindable:
                        continue
                    problem = _check_sql_problem(con, table_name, rule.check)
                    if problem:
                        problems.append(f"{where}.check: {problem}")
                    continue
                kind = "increasing" if isinstance(rule, IncreasingRule) else "decreasing"
                pair = getattr(rule, kind)
                if pair[0] == pair[1]:
                    problems.append(f"{where}.{kind}: name two different columns")
                for name in pair:
                    if name not in table.columns:
                        problems.append(
                            f"{where}.{kind}: table '{table_name}' has no column '{name}'"
                            f"{_did_you_mean(name, table.columns)}"
                        )
                    elif table.columns[name].type not in RANKABLE_TYPES:
                        problems.append(
                            f"{where}.{kind}: column '{name}' is {table.columns[name].type}; "
                            f"rules rank {', '.join(RANKABLE_TYPES)} columns"
                        )
    return problems


def _check_sql_problem(con: duckdb.DuckDBPyConnection, table_name: str, sql: str) -> str | None:
    """Why ``sql`` is not a per-row boolean condition over the table, or None when it is."""
    try:
        duckdb.SQLExpression(sql)  # one expression, not a statement list
    except duckdb.Error as exc:
        return f"not a SQL expression: {_first_line(exc)}"
    table = quote_ident(table_name)
    try:
        kind = con.execute(f"DESCRIBE SELECT (\n{sql}\n) AS v FROM {table}").fetchall()[0][1]
        con.execute(f"DESCRIBE SELECT count(*) FILTER (WHERE NOT (\n{sql}\n)) FROM {table}")
    except duckdb.Error as exc:
        text = _first_line(exc)
        if "aggregate" in text.lower() or "window" in text.lower():
            return "must be a per-row condition; aggregate and window functions are not allowed"
        return text
    if kind != "BOOLEAN":
        return f"must be a true/false condition, but gives {kind}"
    return None


def _first_line(exc: BaseException) -> str:
    """DuckDB's message without its SQL excerpt; candidate hints joined onto the first line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    keep = [lines[0]] if lines else [type(exc).__name__]
    keep += [line for line in lines[1:2] if line.startswith(("Candidate", "Did you mean"))]
    return " ".join(keep)


# -------------------------------------------------------------------------------- reference


def _type_text(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " | ".join(str(a) for a in args)
    if origin is Union or str(origin) == "<class 'types.UnionType'>":
        return " | ".join(_type_text(a) for a in args if a is not type(None))
    if origin is Annotated:
        return _type_text(args[0])
    if origin is list:
        return f"list of {_type_text(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping of name to {_type_text(args[1])}"
    names = {str: "text", bool: "true | false", int: "integer", float: "number"}
    if annotation in names:
        return names[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__.lower()
    return str(annotation)


def _field_lines(model: type[BaseModel]) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        kind = extra.get("yaml_type") or _type_text(field.annotation)
        if name == "rules":
            kind = "list of rules"
        if field.is_required():
            need = "required"
        elif field.default_factory is not None or field.default in (None, False):
            need = "optional"
        else:
            need = f"default {field.default}"
        lines.append(f"- `{name}` ({kind}; {need}): {field.description}")
    return lines


def spec_reference() -> str:
    """The spec reference in Markdown, generated from the models so it cannot drift."""
    parts = ["# Spec v1 reference", "", "Generated from `codegen/spec/model.py`.", ""]
    for title, model in (("Spec (top level)", Spec), ("Table", Table), ("Column", Column)):
        parts += [f"## {title}", "", model.__doc__ or "", "", *_field_lines(model), ""]
    parts += ["Column types: " + ", ".join(f"`{t}`" for t in COLUMN_TYPES) + ".", ""]
    parts += ["## Rules", "", "Each rule is a mapping with exactly one of these keys.", ""]
    for kind, model in RULE_KINDS.items():
        parts += [f"### {kind}", "", model.__doc__ or "", "", *_field_lines(model), ""]
    return "\n".join(parts).rstrip() + "\n"
