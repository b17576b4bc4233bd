"""pdlab for Python: pdlab's C++ workflows (run, read_study, compare, sensitivity, calibrate,
abc, fit, check_fit, cases, riskset, eha, cox, infer, units, schemas) with their tables as
pandas DataFrames. A thin client of the library, like the `pdlab` CLI; errors are pdlab.Error
(with .kind and .exit_code), one subclass per kind; warnings are pdlab.PdlabWarning, and
notes that only inform (what a fit did with its inputs) its subclass pdlab.PdlabNote. See
docs/python.md."""

import builtins
import contextvars
import difflib
import functools
import json
import os
import re
import sqlite3
import sys
import tempfile
import urllib.parse
import warnings

try:
    import numpy as np
    import pandas as pd
except ImportError as e:  # the module itself would load; say what is missing instead
    raise ImportError(
        f"pdlab needs numpy and pandas ({e}). On Debian: apt-get install python3-pandas, "
        "and use Debian's python3 (/usr/bin/python3)") from e

from . import _pdlab
from ._pdlab import (CantCreateError, ConfigError, DataError, Error, InternalError, IoError,
                     NoInputError, ResourcesError, UsageError)

__version__ = _pdlab.__version__
__all__ = ["run", "read_study", "compare", "sensitivity", "calibrate", "abc", "fit", "check_fit",
           "cases", "riskset", "eha", "cox", "infer", "units", "schemas",
           "Study", "AbcPosterior", "Cases",
           "Error", "UsageError", "DataError", "NoInputError", "CantCreateError", "IoError",
           "ConfigError", "ResourcesError", "InternalError", "PdlabWarning", "PdlabNote"]


class PdlabWarning(UserWarning):
    """A warning of pdlab's (a scenario's or a fit's), as the CLI prints them."""


class PdlabNote(PdlabWarning):
    """A note that informs (what riskset or fit did with its inputs, as the CLI's notes), not
    a warning of a problem: warnings.filterwarnings("ignore", category=pdlab.PdlabNote)
    silences these alone, e.g. in a test suite run with -W error."""


def _frame(columns):
    """A DataFrame from the module's columns: [(name, type, values, null mask)]. Integer
    columns with nulls become pandas' nullable Int64; text stays object (ids keep leading
    zeros); real nulls are NaN."""
    data = {}
    for name, kind, values, mask in columns:
        if kind == "text":
            data[name] = pd.Series(values, dtype=object)
        elif kind == "integer" and mask.any():
            data[name] = pd.arrays.IntegerArray(values, mask)
        else:
            data[name] = values
    return pd.DataFrame(data, columns=[c[0] for c in columns])


def _plain(value):
    """numpy's scalars and arrays (what a DataFrame cell gives) as Python's."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _toml(value):
    """A Python value as the right-hand side of a --set, in TOML: a str is a string (so
    'true', '0070' or 'a,b' stay that text; a plain word goes bare, as on the command line,
    where the library reads it as a string), unless it is TOML text of an array or inline
    table ('[...]', '{...}'); bool, int and float as themselves; a list or tuple as an array."""
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(v) if isinstance(v, str) else _toml(v)
                               for v in (_plain(x) for x in value)) + "]"
    if isinstance(value, str):
        if value.strip()[:1] in ("[", "{") or (
                re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", value) and
                value.lower() not in ("true", "false", "inf", "nan")):
            return value
        return json.dumps(value)
    return str(value)


def _count(argument, value, minimum=None):
    """A whole number given to `argument` (an int, a numpy integer or a float without a
    fraction); anything else is a UsageError naming the argument."""
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(value, float) and not value.is_integer()):
        raise _usage(f"{argument}={value!r}: must be a whole number. Fix: give e.g. "
                     f"{argument}={minimum if minimum is not None else 1}")
    return int(value)


def _settings(set):
    """set= as a dict {key: value}."""
    if set is None:
        return {}
    if not isinstance(set, dict):
        raise _usage(f"set={set!r}: takes a dict {{key: value}}. Fix: e.g. "
                     "set={'promotion.pilot_success': 0.6}")
    return set


def _overrides(set, replicates, seed, threads):
    out = [f"{k}={_toml(v)}" for k, v in _settings(set).items()]
    if seed is not None:
        out.append(f"run.seed={_count('seed', seed)}")
    if replicates is not None:
        out.append(f"run.replicates={_count('replicates', replicates)}")
    if threads is not None:
        out.append(f"run.threads={_count('threads', threads)}")
    return out


def _warn(messages, category=PdlabWarning):
    """Warns with each message, in this module's words, at the caller's line (the first frame
    outside this module)."""
    level = 1
    frame = sys._getframe(0)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        level += 1
        frame = frame.f_back
    for m in messages:
        warnings.warn(_python_message(m), category, stacklevel=level)


def _error(cls, kind, exit_code, message):
    """An error of this module's, with .kind and .exit_code as the library's."""
    e = cls(message)
    e.kind = kind
    e.exit_code = exit_code
    return e


def _usage(message):
    """A UsageError raised by this module, with .kind and .exit_code as the library's."""
    return _error(UsageError, "usage", 64, message)


def _text(argument, value):
    """A str argument (None: left out, ""); anything else is a UsageError naming it."""
    if value is None:
        return ""
    value = _plain(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            argument == "train_until":
        return str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        raise _usage(f"{argument}={value!r}: takes one str"
                     + (", e.g. level='prefecture'" if argument == "level" else ""))
    return value


def _edges(edges):
    """riskset's and fit's edges=: a shipped list ("china:...") or a file, which must exist
    (else the library would blame the scenario's own edge list)."""
    if not edges:
        return ""
    path = os.fspath(edges)
    if not path.startswith("china:") and not os.path.isfile(path):
        raise _error(NoInputError, "no_input", 66,
                     f"edges={path!r}: " + ("a folder, not a file" if os.path.isdir(path)
                                             else "file not found") +
                     ". Fix: give an edge-list CSV (from, to[, weight]) or a shipped list such "
                     "as 'china:prefecture_adjacency'")
    return path


def _list(value):
    """A list argument given as one string means that one item (not its characters)."""
    if value is None:
        return []
    return [value] if isinstance(value, (str, os.PathLike)) else list(value)


# CLI spellings in the library's messages, as this module's arguments.
_ARGUMENTS = {"--cluster": "cluster=", "--strata": "strata=", "--offset": "offset=",
              "--static": "static=", "--level": "level=", "--policy": "policy=",
              "--terms": "terms=", "--inherit": "inherit=", "--edges": "edges=",
              "--covariates": "covariates=", "--events": "events=", "--formula": "formula=",
              "--link": "link=", "--ties": "ties=", "--force": "force=True",
              "--train-until": "train_until=", "--out": "out=", "--limit": "limit=",
              "--seed": "seed=", "--replicates": "replicates=", "--threads": "threads=",
              "--particles": "particles=", "--generations": "generations=",
              "--abc-quantile": "quantile=", "--min-acceptance": "min_acceptance=",
              "--tolerance": "tolerance=", "--abc-replicates": "replicates=",
              "--draws": "draws=", "--factor": "factors=", "--samples": "samples=",
              "--bootstrap": "bootstrap=", "--trajectories": "trajectories=",
              "--levels": "levels=", "--method": "method=", "--params": "params=",
              "--p-value-cutoff": "p_value_cutoff=", "--epsilon": "epsilon=",
              "--event-covariate": "event_covariates=", "--set": "set=",
              "--resume": "resume=True", "--no-estimate-check": "check_estimate=False",
              "--model": "model=", "--flavour": "flavour=", "--before-start": "before_start=",
              "--start": "start=", "--edges-directed": "edges_directed=True"}
# Options that take no value: "--force" is not followed by one.
_FLAGS = {"--force", "--resume", "--no-estimate-check", "--edges-directed"}
# The words options take as values (the others are numbers, names with a '.', '_' or digit, or
# placeholders in capitals).
_VALUES = {"none", "parent", "cloglog", "logit", "efron", "breslow", "sobol", "morris",
           "exponential", "powerlaw", "rayleigh", "snap", "networkinference", "adopted",
           "first-adoption"}

# The temporary CSV files this call wrote for DataFrames, with their arguments' names.
_frames = contextvars.ContextVar("pdlab_frames", default=None)


def _python_message(message, frames=()):
    """The library's message in this module's words: a DataFrame written to a temporary CSV is
    named by its argument, not the file; --set KEY=VALUE and CLI options by their keywords."""
    for path, argument in frames:
        message = re.sub(re.escape(path) + r"(?::(\d+))?",
                         lambda m, a=argument: (f"the DataFrame {a}=" if a else
                                                "the run's study (run without out=)") +
                         (f" (line {m.group(1)} as CSV)" if m.group(1) else ""), message)
    message = message.replace("field 'QUERY'", "field 'query='")
    # A command's output file, as this module's call: `pdlab.run(..., out='FILE.sqlite')`.
    message = re.sub(r"`pdlab run --out ([^`\s]+)`", r"`pdlab.run(..., out='\1')`", message)
    # Advice for a shell, and commands, as this module's.
    message = message.replace(
        " (on a command line, quote the whole assignment: --set 'key=\"value\"')",
        " (from Python: pass the value as a str)")
    message = re.sub(r"`pdlab compare SCENARIO --vary ([^=`\s]+)=V1,V2,\.\.\.`",
                     r"`pdlab.compare(SCENARIO, vary={'\1': [V1, V2, ...]})`", message)
    message = re.sub(r"(?<![\w-])-r (\d+)\b", r"replicates=\1", message)
    message = re.sub(r"--factor (\S+?)([,;)]?)(?=\s|$)", r"factors=['\1']\2", message)
    message = re.sub(r"--set run\.(replicates|seed|threads)=", r"\1=", message)
    message = re.sub(r"--set ([^\s=]+)=", r"set['\1']=", message)
    # A contrast of compare's (the library names it as the field '--contrast' = 'NAME=EXPR',
    # and gives examples as --contrast NAME=EXPR).
    message = re.sub(r"field '--contrast' = '([^'=]*)=([^']*)'", r"contrasts['\1'] = '\2'",
                     message)
    message = re.sub(r"--contrast ([^\s=]+)=([^\s)]+)", r"contrasts={'\1': '\2'}", message)
    message = message.replace("field '--contrast'", "contrasts")
    # A value of compare's vary (the library names it as --vary KEY=VALUE, or as the field
    # '--vary' = 'KEY=V1,V2').
    message = re.sub(r"--vary ([^\s=]+)=V1,V2,\.\.\.", r"vary={'\1': [V1, V2, ...]}", message)
    message = message.replace("a --variants column", "a variants= column")
    message = re.sub(r"--vary ([^\s=]+)=", r"vary['\1'] value ", message)
    message = re.sub(r"field '--vary' = '([^'=]+)=([^']*)'", r"vary['\1'] value \2", message)
    message = message.replace("field '--vary'", "vary")
    # An option with its value (`--cluster none`, `--samples 64`, `--out FITTED.toml`) as a
    # keyword argument; not an option followed by a word of the sentence ("--covariates
    # variables a unit takes").
    def keyword(m):
        option, value = m.group(1), m.group(2)
        if option in _FLAGS or option not in _ARGUMENTS:
            return m.group(0)
        try:
            float(value)
            return _ARGUMENTS[option] + value
        except ValueError:
            pass
        if option == "--level" or value in _VALUES or re.search(r"[._/:0-9]", value) or \
                value.isupper():
            return _ARGUMENTS[option] + repr(value)
        return m.group(0)
    message = re.sub(r"(?<![\w-])(--[a-z][a-z-]*) ([\w.:+/-]+)(?![\w'=/])", keyword, message)
    return re.sub(r"(?<![\w-])(--[a-z][a-z-]*)(?![\w-])",
                  lambda m: _ARGUMENTS.get(m.group(1), m.group(1)), message)


def _pythonic_errors(function):
    """Raises the library's errors with _python_message's wording (same class, kind and
    exit_code)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        frames = []
        token = _frames.set(frames)
        try:
            return function(*args, **kwargs)
        except Error as e:
            message = _python_message(str(e), frames)
            if message == str(e):
                raise
            renamed = type(e)(message)
            for attribute in ("kind", "exit_code"):
                if hasattr(e, attribute):
                    setattr(renamed, attribute, getattr(e, attribute))
            raise renamed from None
        finally:
            _frames.reset(token)
    return wrapper


def _csv(data, folder, name):
    """A path for `data`: itself if it is a path, else the DataFrame written as CSV (missing
    values as empty fields, which the library reads as missing)."""
    if data is None:
        return ""
    if isinstance(data, pd.DataFrame):
        path = os.path.join(folder, name)
        twice = data.columns[data.columns.duplicated()]
        if len(twice):
            raise _usage(f"the DataFrame {os.path.splitext(name)[0]}= names the column "
                         f"{twice[0]!r} twice. Fix: drop or rename one, e.g. "
                         "df.loc[:, ~df.columns.duplicated()]")
        # A named index (df.set_index("unit_id")) is a column the library may need.
        if any(n is not None for n in data.index.names) and \
                not any(n in data.columns for n in data.index.names if n is not None):
            data = data.reset_index()
        # A column of whole numbers that pandas made float (a missing value in it) as the
        # integers it holds: 2020, not 2020.0, which would read as another value (a date).
        data = data.copy(deep=False)
        for c in data.columns:
            col = data[c]
            if col.dtype.kind == "b" or str(col.dtype) == "boolean":
                data[c] = col.astype("Int64")  # True/False as 1/0, as R codes a logical
                continue
            if col.dtype.kind == "O":
                cells = col.astype(object).to_numpy()
                present = [v for v in cells if not pd.isna(v)]
                if present and all(isinstance(v, (bool, np.bool_)) for v in present):
                    # True/False with missing values (what read_csv gives a logical column
                    # with blanks): 1/0 and empty
                    data[c] = pd.array([None if pd.isna(v) else int(v) for v in cells],
                                       dtype="Int64")
                    continue
                whole = [(isinstance(v, (int, np.integer)) and not isinstance(v, bool)) or
                         (isinstance(v, (float, np.floating)) and float(v).is_integer() and
                          abs(v) < 2.0**53) for v in present]
                if present and all(whole) and \
                        any(isinstance(v, (float, np.floating)) for v in present):
                    # Whole numbers in an object column (from Excel, or a concat): 2020, not
                    # 2020.0, as for a float column below.
                    data[c] = pd.array([None if pd.isna(v) else int(v) for v in cells],
                                       dtype="Int64")
                    continue
                # pdlab's CSV fields cannot span lines: name the cell, not a quote in a
                # temporary file.
                broken = np.array([isinstance(v, str) and ("\n" in v or "\r" in v)
                                   for v in cells], dtype=bool)
                if broken.any():
                    row = int(np.flatnonzero(broken)[0])
                    raise _usage(
                        f"the DataFrame {os.path.splitext(name)[0]}=, column {c!r}, row {row} "
                        f"(index {data.index[row]!r}): {cells[row]!r} holds a line break, "
                        "which pdlab's fields cannot. Fix: replace line breaks in that column, "
                        f"e.g. df[{c!r}] = df[{c!r}].str.replace(r'[\\r\\n]+', ' ', "
                        "regex=True)")
            values = col.dropna().to_numpy() if col.dtype.kind == "f" else None
            if values is not None and len(values) and np.all(np.abs(values) < 2.0**53) and \
                    np.all(np.mod(values, 1) == 0):
                data[c] = col.astype("Int64")
        data.to_csv(path, index=False, na_rep="")
        frames = _frames.get()
        if frames is not None:  # errors name the argument, not this file
            frames.append((path, os.path.splitext(name)[0]))
        return path
    if not isinstance(data, (str, os.PathLike)):
        raise _usage(f"{os.path.splitext(name)[0]}= takes a DataFrame or a path to a CSV file, "
                     f"not {type(data).__name__}. Fix: e.g. pass the whole DataFrame")
    return os.fspath(data)


def _label(data, argument):
    """How a written file names an input: a path as itself, a DataFrame by its argument."""
    return f"the DataFrame {argument}=" if isinstance(data, pd.DataFrame) else ""


class Study:
    """A study's tables as DataFrames: study.summary_time, study.tables["runs"], ...;
    study.meta is the meta table as a dict; study.path is the SQLite file (None when run()
    wrote it to a temporary folder, now removed); study.report holds run()'s counts
    (`adoptions`: rows written to the adoptions table, only the levels down to
    `adoptions_max_level` where output.adoptions_max_level leaves deeper ones out)."""

    def __init__(self, tables, path=None, report=None):
        self.tables = tables
        self.path = path
        self.report = report or {}

    def __getattr__(self, name):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(
            f"the study has no table {name!r} (tables: {', '.join(sorted(tables))})")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.tables))

    @property
    def meta(self):
        m = self.tables.get("meta")
        return {} if m is None else dict(zip(m["key"], m["value"]))

    def __repr__(self):
        sizes = ", ".join(f"{n} ({len(t)} rows)" for n, t in sorted(self.tables.items()))
        return f"<pdlab.Study {self.path or '(temporary)'}: {sizes}>"


@_pythonic_errors
def read_study(path, tables=None):
    """Reads a study file written by `pdlab run` or run(out=...): every table (or those named
    in `tables`) as DataFrames. A comparison's (`pdlab compare --out`, compare(out=...)) `compare`
    table gets one column per varied key after `variant`, as compare() returns it, where
    `compare_variants` is read too."""
    path = os.fspath(path)
    if tables is not None and len(_list(tables)) == 0:
        raise _usage("read_study: tables= names no table. Fix: leave tables=None for every "
                     "table, or name those to read, e.g. tables=['summary_time']")
    if os.path.isdir(path):
        raise _error(NoInputError, "no_input", 66,
                     f"{path}: a folder, not a study file. Fix: give the .sqlite file written "
                     "by run(out=...) or `pdlab run --out`")
    raw = _pdlab.read_tables(path, _list(tables))  # only those tables are read
    _check_study(path)
    frames = {name: _frame(cols) for name, cols in raw.items()}
    # A comparison's table gets its varied keys' columns, as compare() returns it.
    if "compare" in frames and "compare_variants" in frames:
        own = frames["compare_variants"]
        own = own[own["set_by"] == "this variant"]
        assigned = {label: dict(zip(rows["key"], rows["value"]))
                    for label, rows in own.groupby("variant", sort=False)}
        frames["compare"] = frames["compare"].copy()
        _insert_key_columns(frames["compare"], assigned, list(dict.fromkeys(own["key"])))
    return Study(frames, path=path)


def _insert_key_columns(df, assigned, keys):
    """One column per varied key after `variant` in a compare table: each variant's value
    ({label: {key: text}}), typed as compare() types them (bool, number or text); empty in
    the rows of contrasts and where a variant keeps the scenario's value."""
    at = df.columns.get_loc("variant") + 1
    is_variant = df["variant"].isin(assigned)  # (the contrasts' rows have no values)
    for i, key in enumerate(keys):
        column = df.loc[is_variant, "variant"].map(lambda label, k=key: assigned[label].get(k))
        present = column.dropna()
        if len(present) and present.isin(["true", "false"]).all():
            column = column.map(lambda v: None if v is None else v == "true")
        else:
            try:
                column = pd.to_numeric(column)
            except (ValueError, TypeError):
                column = column.map(
                    lambda v: json.loads(v) if isinstance(v, str) and v.startswith('"') else v)
        df.insert(at + i, key, column.reindex(df.index))


def _check_study(path):
    """Refuses an SQLite file that is no pdlab study (no meta table); warns of an unfinished
    one (a run's .partial file), whose tables hold only the replicates done."""
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        has = lambda t: db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                   "name = ?", (t,)).fetchone() is not None
        if not has("meta"):
            raise _error(DataError, "data", 65,
                         f"{path}: not a pdlab study (it has no meta table). Fix: give a file "
                         "written by run(out=...) or `pdlab run --out`")
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("complete") == "0":
            done = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] if has("runs") else 0
            _warn([f"{path} is an unfinished study: {done} of {meta.get('replicates', '?')} "
                   "replicates, and its tables hold only those. Fix: finish it with "
                   "run(scenario, ..., out=<the study file>, resume=True)"])


@_pythonic_errors
def run(scenario, set=None, replicates=None, seed=None, threads=None, out=None, force=False,
        tables=None, resume=False, check_estimate=True):
    """Runs a scenario (with `set` overrides {key: value}, as --set key=value) and returns
    its Study. `replicates`, `seed`, `threads` (0: every core; the same result at any count):
    None keeps the scenario's run.* values. `tables`: the tables to read back (None: all;
    names of docs/outputs.md, checked before the run).
    With `out`, the SQLite study file is kept there (refused if it exists, unless `force`;
    `resume` finishes an interrupted run of it, as `pdlab run --resume`); without, it is
    written to a temporary folder and removed once read. Like `pdlab run`, it first
    estimates the study's size and memory from one replicate and raises pdlab.Error before
    writing anything when the study cannot fit (check_estimate=False runs it anyway)."""
    if resume and out is None:
        raise _usage("run: resume needs out, the study file to finish. "
                     "Fix: pass out=PATH of the interrupted run")
    if resume and os.path.isfile(out) and not os.path.exists(os.fspath(out) + ".partial"):
        raise _error(CantCreateError, "cant_create", 73,
                     f"{os.fspath(out)}: the study is complete: nothing to resume. Fix: read it "
                     f"with pdlab.read_study({os.fspath(out)!r}); force=True (without resume) "
                     "runs it again and replaces it")
    if tables is not None:
        names = _list(tables)
        if not names:
            raise _usage("run: tables= names no table. Fix: leave tables=None for every table, "
                         "or name those to read, e.g. tables=['summary_time']")
        known = [name for name, _, _ in _pdlab.schemas()]
        for name in names:
            if name not in known:
                near = difflib.get_close_matches(str(name), known, n=1)
                raise _usage(f"tables=: {name!r} is no table of a study"
                             + (f"; did you mean {near[0]!r}?" if near else "")
                             + " Fix: name tables of docs/outputs.md, e.g. tables=['summary_time']")
    overrides = _overrides(set, replicates, seed, threads)
    command = "pdlab.run(" + ", ".join([repr(os.fspath(scenario))] +
                                       [f"--set {o}" for o in overrides]) + ")"
    with tempfile.TemporaryDirectory(prefix="pdlab-run-") as tmp:
        path = os.fspath(out) if out is not None else os.path.join(tmp, "study.sqlite")
        frames = _frames.get()
        if out is None and frames is not None:  # errors name it as the run's, not a file
            frames.append((path, None))
        report = _pdlab.run(os.fspath(scenario), overrides, path, force, resume,
                             check_estimate, command)
        warnings_ = report.pop("warnings")
        _warn(warnings_)
        study = read_study(path, tables)
    study.path = os.fspath(out) if out is not None else None
    study.report = report
    return study


@_pythonic_errors
def compare(scenario, vary=None, set=None, replicates=None, seed=None, threads=None, out=None,
            force=False, contrasts=None, variants=None):
    """Runs every combination of the `vary` values ({key: [v1, v2, ...]}, first key slowest;
    the first combination is the baseline), or the rows of `variants` (a DataFrame or CSV path
    as `--variants`: one column per scenario key, an optional `variant` column of labels, an
    empty cell keeping the scenario's value; the first row is the baseline), on common random
    numbers. Returns the comparison table (docs/outputs.md, `compare`) with one column per
    varied key after `variant`. `contrasts` ({name: "v4-v3-v2+v1", ...}, as `--contrast`)
    adds, for each outcome, a row per contrast of the variants (numbered v1, v2, ... in the
    table's order, df.attrs["variant_numbers"]; weights summing to 0), taken replicate by
    replicate: its name as `variant`, the varied keys' columns empty. With `out` (a .sqlite
    file, refused if it exists unless `force`), the comparison is also kept as a study with
    the variants' time series (`compare_time`), what each variant set (`compare_variants`), the
    contrasts' weights (`compare_contrasts`) and every outcome of every replicate
    (`compare_replicates`), as `pdlab compare --out`; read it with read_study, draw it with
    `pdlab report`. A time to half censored at the horizon in some replicates (the `censored`
    column) is said as a PdlabNote, as the CLI's digest says it.

    diff_lo and diff_hi are the 95% t interval of the *mean* paired difference: its Monte Carlo
    error, which more replicates narrow whatever the parameters' uncertainty. diff_q025 and
    diff_q975 are the 2.5% and 97.5% quantiles of the paired differences themselves over the
    replicates: with the parameters drawn per replicate (set={"uncertainty.draw": True}) that
    spread is what carries their estimation uncertainty (a difference is told from none, given
    the fit, only where it excludes 0), and a PdlabNote says so; without draws it is the
    run-to-run variation of one realisation. df.attrs["intervals"] holds the CLI digest's line
    saying which, df.attrs["parameters_drawn"] "every variant", "some variants" or "none". A
    variant that sets a key uncertainty.draw draws holds it at that value in its replicates:
    a PdlabWarning says so (and when the value looks like a rounding of the scenario's)."""
    if out is not None and not os.fspath(out).endswith(".sqlite"):
        raise _usage(f"out={os.fspath(out)!r}: a comparison is kept as a study file. Fix: give "
                     "a name ending in .sqlite (the table itself is what compare() returns)")
    if (vary is None) == (variants is None):
        raise _usage("compare: give either vary= or variants=. Fix: e.g. "
                     "vary={'promotion.mandate': [0, 1]}, or variants=DataFrame with one column "
                     "per scenario key and a row per variant")
    args = []
    if vary is not None:
        if not isinstance(vary, dict):
            raise _usage(f"vary={vary!r}: takes a dict {{key: [value1, value2, ...]}}. Fix: "
                         "e.g. vary={'promotion.pilot_success': [0.3, 0.6]}, or a table of "
                         "variants as variants=")
        if not vary:
            raise _usage("compare: vary is empty. Fix: give {key: [value1, value2, ...]}")
        for key, values in vary.items():
            if isinstance(values, (builtins.set, frozenset)):  # (`set` is an argument here)
                raise _usage(f"vary[{key!r}]={values!r}: a set has no order, and the first "
                             "value is the baseline. Fix: give a list, e.g. sorted(...)")
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                values = [values]
            values = [_plain(v) for v in values]
            args.append(f"{key}={','.join(_toml(v) for v in values)}")
    overrides = _overrides(set, replicates, seed, threads)
    if contrasts is None:
        contrasts = {}
    if not isinstance(contrasts, dict):
        raise _usage(f"contrasts={contrasts!r}: takes a dict {{name: expression}}. Fix: e.g. "
                     "contrasts={'interaction': 'v4-v3-v2+v1'}")
    for name in contrasts:
        if "=" in str(name):
            raise _usage(f"contrasts: the name {name!r} contains '='. Fix: name the contrast "
                         "without '=', e.g. contrasts={'interaction': 'v4-v3-v2+v1'}")
    contrast_args = [f"{name}={expression}" for name, expression in contrasts.items()]
    with tempfile.TemporaryDirectory(prefix="pdlab-compare-") as tmp:
        variants_csv = _csv(variants, tmp, "variants.csv")
        command = "pdlab.compare(" + ", ".join(
            [repr(os.fspath(scenario))] + [f"--vary {a}" for a in args] +
            ([f"--variants {variants_csv if not isinstance(variants, pd.DataFrame) else 'DataFrame'}"]
             if variants is not None else []) +
            [f"--set {o}" for o in overrides] + [f"--contrast {c}" for c in contrast_args]) + ")"
        cols, labelled, replicates_run, warnings_, intervals, drawn = _pdlab.compare(
            os.fspath(scenario), overrides, args, "" if out is None else os.fspath(out),
            bool(force), command, contrast_args, variants_csv)
    _warn(warnings_)  # variant values that change nothing, as the CLI says them
    df = _frame(cols)
    assigned = {label: dict(a.split("=", 1) for a in assignments)
                for label, assignments in labelled}
    keys = list(vary) if vary is not None else list(dict.fromkeys(
        a.split("=", 1)[0] for _, assignments in labelled for a in assignments))
    _insert_key_columns(df, assigned, keys)
    df.attrs["replicates"] = replicates_run
    df.attrs["baseline"] = labelled[0][0]
    df.attrs["contrasts"] = dict(contrasts)
    df.attrs["variant_numbers"] = {f"v{i + 1}": label for i, (label, _) in enumerate(labelled)}
    df.attrs["intervals"] = intervals
    df.attrs["parameters_drawn"] = drawn
    if drawn != "none":
        # Under draws the t interval is not the uncertainty of a difference: say so, as the
        # CLI's digest does.
        _warn([intervals], PdlabNote)
    # A time to half that the horizon stands in for: the CLI's digest says so; here, a note.
    censored = df[(df["statistic"] == "periods_to_half") & (df["censored"] > 0)]
    if len(censored):
        rows = "; ".join(f"{r.variant} at {r.level}{' (' + r.policy_id + ')' if r.policy_id else ''}:"
                         f" {100 * r.censored:.0f}%" for r in censored.itertuples())
        _warn([f"periods_to_half is censored at the horizon (the calendar's periods stand in for "
               f"a half never reached) in some replicates of: {rows}. A variant's difference "
               f"there is a bound, a contrast's not even that (its terms' signs differ); read "
               f"reached_half beside it"], PdlabNote)
    return df


@_pythonic_errors
def riskset(scenario, events, covariates=None, static=None, policy=None, level=None, set=None,
            terms=None, inherit=None, event_covariates=None, edges=None, edges_directed=False,
            before_start="error", start="calendar"):
    """The discrete-time risk set (unit x period rows until adoption) of observed `events`
    (a CSV path or a DataFrame with unit_id, policy_id, time) on the scenario's hierarchy and
    calendar; `covariates` (unit_id, time, variable, value) adds time-varying columns and
    `static` hierarchy columns; `inherit` names covariates a unit takes from its nearest
    superior, `event_covariates` policies whose events become `adopted.<id>` columns, `terms`
    computed columns ("trend + log(x)"). `policy`: only that policy (the file's other rows are
    not read); None pools them all.
    `edges`: an edge list replacing the scenario's (a CSV from,to[,weight], or e.g.
    "china:prefecture_adjacency"), read as symmetric: each row links both ways, and a list that
    also holds the reverse row is refused; `edges_directed=True` reads each row as one edge,
    from's adoption exposing to (NetInf's inferred edges, source -> target).
    `before_start`: an adoption dated before the calendar's start is an error ("error"), or
    ("adopted") its unit had adopted when the calendar begins: it is never at risk of that
    policy, counts as an adopter in the others' exposures from the start, and a PdlabNote says
    how many (df.attrs["before_start"]). Deleting such events instead would make those units
    never-adopters, at risk in every period.
    `start`: each policy's risk begins at the calendar's start ("calendar"), or at its first
    adoption in the events ("first-adoption"; "first_adoption" is accepted): no rows before
    it, and duration counts from 1 there (pooled policies invented at different times).
    df.attrs holds the counts (events, after_horizon, before_start, ...)."""
    start = start.replace("_", "-") if isinstance(start, str) else start
    with tempfile.TemporaryDirectory(prefix="pdlab-riskset-") as tmp:
        tables, report = _pdlab.riskset(
            os.fspath(scenario), _overrides(set, None, None, None),
            _csv(events, tmp, "events.csv"), _csv(covariates, tmp, "covariates.csv"),
            _list(static), _text("policy", policy), _text("level", level),
            os.path.join(tmp, "riskset.sqlite"), _text("terms", terms), _list(inherit),
            _list(event_covariates), _edges(edges), bool(edges_directed),
            _text("before_start", before_start), _text("start", start))
    _warn(report["notes"], PdlabNote)  # as the CLI's notes
    df = _frame(tables["riskset"])
    df.attrs.update(report)
    return df


def _columns(**named):
    """Refuses an empty column name (the CLI refuses `--cluster ""` alike): it is no column."""
    for option, value in named.items():
        if value is not None and str(value) == "":
            raise _usage(f"field '{option}=' = '': names no column. Fix: give a column of "
                         f"the data, or leave {option}= out")


def _fit_frame(cols, info):
    _warn(info.pop("warnings"))
    if info.get("dropped_missing"):
        _warn([f"{info['dropped_missing']} rows with a missing value in the model's columns "
               "were dropped (df.attrs['dropped_missing'])"])
    df = _frame(cols)
    df.attrs.update(info)
    return df


@_pythonic_errors
def eha(data, formula, link="cloglog", cluster=None, offset=None):
    """A discrete-time event-history GLM (cloglog or logit) fitted to `data` (a risk-set CSV
    path or DataFrame), e.g. formula="event ~ vertical + horizontal + factor(policy_id)".
    `cluster`: a column whose groups get cluster-robust standard errors (None: model-based);
    `offset`: a column added to the linear predictor with coefficient 1. Rows with a missing
    value in the model's columns are dropped, with a warning. Returns the coefficient table;
    df.attrs holds n, events, log_likelihood, aic, bic, deviance, null_deviance, the
    likelihood-ratio test against the null model (lr_statistic, lr_df, lr_p_value),
    dropped_missing, ..."""
    _columns(cluster=cluster, offset=offset)
    with tempfile.TemporaryDirectory(prefix="pdlab-eha-") as tmp:
        cols, info = _pdlab.eha(_csv(data, tmp, "data.csv"), _text("formula", formula),
                                _text("link", link), _text("cluster", cluster),
                                _text("offset", offset))
    info.update(formula=formula, link=link, cluster=cluster, offset=offset)
    return _fit_frame(cols, info)


@_pythonic_errors
def cox(data, formula, ties="efron", strata=None, cluster=None):
    """A Cox proportional hazards model fitted to (start, stop] `data` (CSV path or
    DataFrame), e.g. formula="Surv(tstart, tstop, event) ~ horizontal". Returns the
    coefficient table; df.attrs holds n, events, n_strata (0: none), log_likelihood (partial),
    log_likelihood_null, aic, bic, the likelihood-ratio test (lr_statistic, lr_df, lr_p_value),
    ..."""
    _columns(strata=strata, cluster=cluster)
    with tempfile.TemporaryDirectory(prefix="pdlab-cox-") as tmp:
        cols, info = _pdlab.cox(_csv(data, tmp, "data.csv"), _text("formula", formula),
                                _text("ties", ties), _text("strata", strata),
                                _text("cluster", cluster))
    info.update(formula=formula, ties=ties, strata=strata, cluster=cluster)
    return _fit_frame(cols, info)


@_pythonic_errors
def infer(cascades, nodes=None, model="exponential", flavour="snap", params=None,
          epsilon=1e-64, edges=0, p_value_cutoff=0.0):
    """A diffusion network inferred from `cascades` (CSV path or DataFrame: the events,
    unit_id, policy_id, time, each policy a cascade, or node_name, event_time, cascade_id) by
    NetInf (`model` "exponential", "power-law" or "rayleigh";
    `flavour` "snap" or "networkinference"). `params`: the transmission parameter (the rate, or
    the power-law exponent); None: estimated from the cascades with flavour networkinference,
    SNAP's default 1.0 with flavour snap (df.attrs["parameter"] says which was used); `epsilon`:
    the tiny probability of an unexplained infection; `edges`: how many edges to infer (0:
    until no edge improves the fit); `p_value_cutoff`: with flavour networkinference, stop
    when an edge's p-value is above it (0: no cutoff). Returns the edges; df.attrs holds the
    transmission parameter used and the log-likelihoods. Tied event times, fewer cascades than
    nodes and edges of equal gain are warned about (PdlabWarning), as by `pdlab infer`."""
    with tempfile.TemporaryDirectory(prefix="pdlab-infer-") as tmp:
        cols, info = _pdlab.infer(_csv(cascades, tmp, "cascades.csv"),
                                  _csv(nodes, tmp, "nodes.csv"), model, flavour,
                                  None if params is None else _real("params", params),
                                  _real("epsilon", epsilon), _count("edges", edges),
                                  _real("p_value_cutoff", p_value_cutoff))
    df = _frame(cols)
    _warn(info.pop("warnings", []))
    df.attrs.update(info)
    return df


@_pythonic_errors
def units(query, scenario=None, limit=20):
    """The unit whose code is `query` and its subtree, nearest first; with no such unit, units
    whose code begins with `query`, then those whose name (Chinese, or English where a source
    gives one, case-insensitively) contains it; at most `limit`. A DataFrame with
    unit_id, parent_id, level, level_index, type (street_office, town, ...; None when the
    hierarchy has no type column), name, name_en, within (ancestors' names, top first) and
    within_ids. Looks in China's shipped hierarchy, or in `scenario`'s. A code padded with
    zeros that no unit has (130100, 110000) finds the unit it pads (1301, 11), with a warning
    that says so."""
    rows, note = _pdlab.units("" if scenario is None else os.fspath(scenario),
                              str(query).strip(), _count("limit", limit))
    if note:
        _warn([note])
    df = pd.DataFrame(rows, columns=["unit_id", "parent_id", "level", "level_index", "type",
                                     "name", "name_en", "within", "within_ids"])
    df["level_index"] = df["level_index"].astype("int64")  # also when no unit matches
    for c in ["parent_id", "type", "name_en", "within", "within_ids"]:
        df[c] = df[c].replace("", None)
    return df


def schemas():
    """The registry of pdlab's tables: {name: DataFrame of column, type, meaning}. Tables
    with run-dependent columns (quantiles, covariates) list their fixed columns."""
    return {name: pd.DataFrame(cols, columns=["column", "type", "meaning"])
            for name, _, cols in _pdlab.schemas()}


def _real(argument, value):
    """A number given to `argument`; anything else is a UsageError naming it."""
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _usage(f"{argument}={value!r}: must be a number")
    return float(value)


def _factors(factors):
    """sensitivity's factors as the library's "key" or "key=lo:hi": a str is one factor; a
    dict maps keys to (lo, hi) or None (the key's whole range); a tuple (key, lo, hi) is one
    factor with its range."""
    if factors is None:
        return []
    if isinstance(factors, dict):
        out = []
        for key, bounds in factors.items():
            bounds = _plain(bounds)
            if bounds is None:
                out.append(str(key))
            elif isinstance(bounds, (list, tuple)) and len(bounds) == 2:
                out.append(f"{key}={_real('factors', bounds[0])!r}:{_real('factors', bounds[1])!r}")
            else:
                raise _usage(f"factors[{key!r}]={bounds!r}: give (lo, hi), or None for the "
                             "key's whole range")
        return out
    out = []
    for f in _list(factors):
        f = _plain(f)
        if isinstance(f, (tuple, list)) and len(f) == 3 and isinstance(f[0], str):
            out.append(f"{f[0]}={_real('factors', f[1])!r}:{_real('factors', f[2])!r}")
        elif isinstance(f, str):
            out.append(f)
        else:
            raise _usage(f"factors: {f!r} is not a factor. Fix: give \"key\", \"key=lo:hi\", "
                         "(key, lo, hi) or a dict {key: (lo, hi)}")
    return out


@_pythonic_errors
def sensitivity(scenario, factors=None, method="sobol", samples=64, trajectories=10, levels=4,
                bootstrap=1000, confidence=0.95, set=None, replicates=None, seed=None,
                threads=None, out=None, force=False):
    """Sobol (Saltelli design) or Morris sensitivity of every outcome `compare` knows to the
    `factors`, on common random numbers, as `pdlab sensitivity`. `factors`: "key" (the key's
    whole range in the parameter registry) or "key=lo:hi", a list of these or of tuples
    (key, lo, hi), or a dict {key: (lo, hi) or None}; none: the scenario's
    [[sensitivity.factor]] list. method "sobol" uses `samples` base samples (N(k + 2) design
    points for k factors), "morris" `trajectories` trajectories on a grid of `levels` (even)
    levels; `bootstrap` resamples give each index an interval at level `confidence` (a
    fraction in (0, 1), e.g. 0.95); `replicates` per design point. Returns the index table
    (docs/outputs.md, `sensitivity`); df.attrs holds the method, design points, replicates and
    the factors' ranges as used. With `out` (a .sqlite file, refused if it exists unless
    `force`), the table is also kept with a meta table, as `pdlab sensitivity --out`, for
    `pdlab report`."""
    if out is not None and not os.fspath(out).endswith(".sqlite"):
        raise _usage(f"out={os.fspath(out)!r}: sensitivity is kept as a study file. Fix: give "
                     "a name ending in .sqlite (the table itself is what sensitivity() returns)")
    overrides = _overrides(set, replicates, seed, threads)
    factor_args = _factors(factors)
    command = "pdlab.sensitivity(" + ", ".join(
        [repr(os.fspath(scenario)), f"method={method!r}"] +
        [f"--factor {f}" for f in factor_args] + [f"--set {o}" for o in overrides]) + ")"
    cols, info = _pdlab.sensitivity(os.fspath(scenario), overrides,
                                    factor_args, method, _count("samples", samples),
                                    _count("trajectories", trajectories),
                                    _count("levels", levels), _count("bootstrap", bootstrap),
                                    _real("confidence", confidence),
                                    "" if out is None else os.fspath(out), bool(force), command)
    df = _frame(cols)
    _warn(info.pop("warnings"))
    info["factors"] = [{"key": k, "lo": lo, "hi": hi} for k, lo, hi in info["factors"]]
    df.attrs.update(info)
    return df


@_pythonic_errors
def calibrate(scenario, targets, set=None, seed=None, threads=None, out=None, force=False):
    """Fits the scenario's [[calibrate.free]] parameters to `targets` (a CSV path or a
    DataFrame: level, date, share or value, and optionally policy_id, region, weight, metric)
    by NLopt's Nelder-Mead from several starts, as `pdlab calibrate`. Returns the fit table
    on the validation replicates (`calibration`); df.attrs holds best (parameter -> value),
    the starts and scenario_toml, the calibrated scenario (written to `out` when given; its
    relative paths then point from out's folder, else from the scenario's)."""
    with tempfile.TemporaryDirectory(prefix="pdlab-calibrate-") as tmp:
        cols, info = _pdlab.calibrate(os.fspath(scenario), _overrides(set, None, seed, threads),
                                      _csv(targets, tmp, "targets.csv"),
                                      "" if out is None else os.fspath(out), bool(force),
                                      _label(targets, "targets"))
    df = _frame(cols)
    _warn(info.pop("warnings"))
    info["starts"] = pd.DataFrame(info["starts"], columns=[
        "seed", "x", "objective", "evaluations", "converged", "validation_objective"])
    df.attrs.update(info)
    return df


class AbcPosterior:
    """ABC-SMC output: .posterior (particles with weights, `abc_posterior`), .summary (per
    parameter: prior sd, posterior mean, sd and quantiles, `abc_summary`), .predictive
    (posterior predictive bands per target, `abc_predictive`), .generations (tolerance,
    simulations, acceptance, ESS per generation), .stop (why it stopped) and .scenario_toml
    (the scenario at the posterior mean)."""

    def __init__(self, posterior, summary, predictive, info):
        self.posterior = posterior
        self.summary = summary
        self.predictive = predictive
        self.generations = pd.DataFrame(info["generations"], columns=[
            "generation", "tolerance", "simulations", "acceptance", "ess"])
        self.stop = info["stop"]
        self.seed = info["seed"]
        self.scenario_toml = info["scenario_toml"]

    def __repr__(self):
        return (f"<pdlab.AbcPosterior: {len(self.summary)} parameter(s), "
                f"{len(self.generations)} generation(s); {self.stop}>")


@_pythonic_errors
def abc(scenario, targets, particles=200, generations=8, quantile=0.5, min_acceptance=0.01,
        tolerance=0.0, replicates=1, draws=200, set=None, seed=None, threads=None, out=None,
        force=False):
    """A posterior sample over the scenario's [[calibrate.free]] parameters (uniform priors on
    their bounds) by ABC-SMC, as `pdlab calibrate --method abc`: `particles` per generation,
    each tolerance the `quantile` of the last distances, stopping after `generations`, below
    `min_acceptance` or at `tolerance`; `replicates` simulations per particle; `draws`
    posterior predictive simulations. The same result at any `threads`. Returns an
    AbcPosterior; with `out`, the scenario at the posterior mean is written there."""
    with tempfile.TemporaryDirectory(prefix="pdlab-abc-") as tmp:
        post, summ, pred, info = _pdlab.abc(
            os.fspath(scenario), _overrides(set, None, seed, threads),
            _csv(targets, tmp, "targets.csv"), int(particles), int(generations), float(quantile),
            float(min_acceptance), float(tolerance), int(replicates), int(draws),
            "" if out is None else os.fspath(out), bool(force), _label(targets, "targets"))
    _warn(info.pop("warnings"))
    return AbcPosterior(_frame(post), _frame(summ), _frame(pred), info)


@_pythonic_errors
def fit(scenario, events, covariates=None, static=None, level=None, policy=None, terms=None,
        link="cloglog", inherit=None, event_covariates=None, edges=None, set=None, out=None,
        force=False, cluster="parent", edges_directed=False):
    """Estimates the engine's adoption hazard from observed `events` (CSV path or DataFrame:
    unit_id, policy_id, time) on the scenario's hierarchy, as `pdlab fit`, with the risk-set
    arguments of riskset() (edges and edges_directed included) and the `terms` of eha().
    Returns the coefficient table; df.attrs
    holds n, events, log_likelihood, aic, the notes (what entered the simulation how) and
    scenario_toml, the fitted scenario (written to `out` when given; its input paths are
    absolute, so it runs from anywhere; run it with run(), check it with check_fit()), and
    attributes_csv, the per-unit values of covariates constant within each unit, which the
    scenario joins from attributes_path (beside `out`, written first). Standard errors are clustered by the unit's superior (cluster="parent") or
    model-based (cluster="none"). A fit that does not converge raises pdlab.DataError."""
    anchor = (os.fspath(out) if out is not None else
              os.path.join(os.path.dirname(os.path.abspath(scenario)), "fitted.toml"))
    with tempfile.TemporaryDirectory(prefix="pdlab-fit-") as tmp:
        cols, info = _pdlab.fit(
            os.fspath(scenario), _overrides(set, None, None, None),
            _csv(events, tmp, "events.csv"), _csv(covariates, tmp, "covariates.csv"),
            _list(static), _list(inherit), _list(event_covariates), _edges(edges),
            _text("level", level), _text("policy", policy), _text("terms", terms),
            _text("link", link), anchor, out is not None, bool(force),
            _text("cluster", "none" if cluster is None else cluster), bool(edges_directed))
    _warn(info["notes"], PdlabNote)
    df = _frame(cols)
    df.attrs.update(info)
    df.attrs.update(level=level, policy=policy, terms=terms, link=link, cluster=cluster)
    return df


@_pythonic_errors
def check_fit(scenario, events, train_until=None, set=None, replicates=None, seed=None,
              threads=None, policy=None):
    """A fitted scenario (from `pdlab fit`) against observed `events` (CSV path or DataFrame:
    unit_id, policy_id, time), as `pdlab check-fit`. Without `train_until`: observed vs
    simulated cumulative adoption by level and period with 90% bands (`check_fit`). With it:
    refit on the events up to that date, forecast the rest, and score the model beside a
    constant hazard and a logistic curve (`out_of_sample`); df.attrs holds the window, the
    best method per score and what each method fitted. `policy`: the events' policy to compare
    (None: the scenario's; the rows of other policies are not read, and a warning says so)."""
    with tempfile.TemporaryDirectory(prefix="pdlab-check-fit-") as tmp:
        cols, info = _pdlab.check_fit(os.fspath(scenario),
                                      _overrides(set, replicates, seed, threads),
                                      _csv(events, tmp, "events.csv"),
                                      _text("train_until", train_until),
                                      _text("policy", policy))
    df = _frame(cols)
    _warn(info.pop("notes", []))
    df.attrs.update(info)
    return df


def _read_table_csv(path, table):
    """A CSV the library wrote, with its table's column types (docs/outputs.md): text stays
    text ("0070" keeps its zeros), integers with blanks are nullable."""
    types = {name: cols for name, _, cols in _pdlab.schemas()}[table]
    kinds = {column: kind for column, kind, _ in types}
    dtype = {c: (str if k == "text" else "Int64" if k == "integer" else float)
             for c, k in kinds.items()}
    return pd.read_csv(path, dtype=dtype, keep_default_na=False,
                       na_values={c: [""] for c in kinds})


class Cases:
    """The cases side by side: .comparison (one row per case, comparison.csv), .held_out
    (the held-out facts checked, held_out.csv; None without), .studies (case -> its study
    file; read them with read_study), .written (every file written), .out_dir,
    .reports_skipped (why the HTML reports were not written, or None). The two tables have
    their registry types (docs/outputs.md) and the values as the CSV files print them (a few
    digits); each study holds the full values."""

    def __init__(self, info):
        self.out_dir = info["out_dir"]
        self.studies = dict(info["studies"])
        self.written = list(info["written"])
        self.reports_skipped = info["reports_skipped"] or None
        self.comparison = _read_table_csv(info["comparison_csv"], "cases_comparison")
        self.held_out = (_read_table_csv(info["held_out_csv"], "cases_held_out")
                         if info["held_out_csv"] else None)

    def __repr__(self):
        return f"<pdlab.Cases {self.out_dir}: {', '.join(self.studies)}>"


@_pythonic_errors
def cases(folder=None, out_dir=None, set=None, replicates=None, seed=None, threads=None,
          force=False):
    """Runs every case scenario of `folder` (default: the shipped cases, scenarios/cases) and
    writes each study, its report and the comparison into `out_dir` (default results/cases),
    as `pdlab cases`; the held-out facts of the folder's held_out.csv are checked. Returns a
    Cases object."""
    overrides = _overrides(set, replicates, seed, threads)
    command = "pdlab.cases(" + ", ".join(
        ([] if folder is None else [repr(os.fspath(folder))]) +
        ([] if out_dir is None else [f"out_dir={os.fspath(out_dir)!r}"]) +
        [f"--set {o}" for o in overrides]) + ")"
    info = _pdlab.cases("" if folder is None else os.fspath(folder),
                        "" if out_dir is None else os.fspath(out_dir), overrides, bool(force),
                        command)
    _warn(info.pop("notes"))
    return Cases(info)
