"""pdlab for Python: pdlab's C++ workflows (run, compare, riskset, eha, cox, infer) with
their tables as pandas DataFrames. A thin client of the library, like the `pdlab` CLI; errors
are pdlab.Error (with .kind and .exit_code), one subclass per kind. See docs/python.md."""

import json
import os
import tempfile
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
__all__ = ["run", "read_study", "compare", "riskset", "eha", "cox", "infer", "units", "schemas",
           "Study",
           "Error", "UsageError", "DataError", "NoInputError", "CantCreateError", "IoError",
           "ConfigError", "ResourcesError", "InternalError", "PdlabWarning"]


class PdlabWarning(UserWarning):
    """A warning of pdlab's (a scenario's or a fit's), as the CLI prints them."""


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


def _toml(value):
    """A Python value as the right-hand side of a --set (parsed as TOML; bare words are
    strings, as on the command line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(v) if isinstance(v, str) else _toml(v)
                               for v in value) + "]"
    return str(value)


def _overrides(set, replicates, seed, threads):
    out = [f"{k}={_toml(v)}" for k, v in (set or {}).items()]
    if seed is not None:
        out.append(f"run.seed={int(seed)}")
    if replicates is not None:
        out.append(f"run.replicates={int(replicates)}")
    if threads is not None:
        out.append(f"run.threads={int(threads)}")
    return out


def _warn(messages):
    for m in messages:
        warnings.warn(m, PdlabWarning, stacklevel=3)


def _csv(data, folder, name):
    """A path for `data`: itself if it is a path, else the DataFrame written as CSV (missing
    values as empty fields, which the library reads as missing)."""
    if data is None:
        return ""
    if isinstance(data, pd.DataFrame):
        path = os.path.join(folder, name)
        data.to_csv(path, index=False, na_rep="")
        return path
    return os.fspath(data)


class Study:
    """A study's tables as DataFrames: study.summary_time, study.tables["runs"], ...;
    study.meta is the meta table as a dict; study.path is the SQLite file (None when run()
    wrote it to a temporary folder, now removed); study.report holds run()'s counts."""

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


def read_study(path, tables=None):
    """Reads a study file written by `pdlab run` or run(out=...): every table (or those named
    in `tables`) as DataFrames."""
    path = os.fspath(path)
    raw = _pdlab.read_tables(path)
    if tables is not None:
        missing = [t for t in tables if t not in raw]
        if missing:
            raise UsageError(f"{path}: no table {', '.join(missing)} (tables: "
                             f"{', '.join(sorted(raw))})")
        raw = {t: raw[t] for t in tables}
    return Study({name: _frame(cols) for name, cols in raw.items()}, path=path)


def run(scenario, set=None, replicates=None, seed=None, threads=None, out=None, force=False,
        tables=None, resume=False, check_estimate=True):
    """Runs a scenario (with `set` overrides, as --set key=value) and returns its Study.
    With `out`, the SQLite study file is kept there (refused if it exists, unless `force`;
    `resume` finishes an interrupted run of it, as `pdlab run --resume`); without, it is
    written to a temporary folder and removed once read. Like `pdlab run`, it first
    estimates the study's size and memory from one replicate and raises pdlab.Error before
    writing anything when the study cannot fit (check_estimate=False runs it anyway)."""
    if resume and out is None:
        raise UsageError("run: resume needs out, the study file to finish. "
                         "Fix: pass out=PATH of the interrupted run")
    overrides = _overrides(set, replicates, seed, threads)
    command = "pdlab.run(" + ", ".join([repr(os.fspath(scenario))] +
                                       [f"--set {o}" for o in overrides]) + ")"
    with tempfile.TemporaryDirectory(prefix="pdlab-run-") as tmp:
        path = os.fspath(out) if out is not None else os.path.join(tmp, "study.sqlite")
        report = _pdlab.run(os.fspath(scenario), overrides, path, force, resume,
                             check_estimate, command)
        warnings_ = report.pop("warnings")
        _warn(warnings_)
        study = read_study(path, tables)
    study.path = os.fspath(out) if out is not None else None
    study.report = report
    return study


def compare(scenario, vary, set=None, replicates=None, seed=None, threads=None):
    """Runs every combination of the `vary` values ({key: [v1, v2, ...]}, first key slowest;
    the first combination is the baseline) on common random numbers. Returns the comparison
    table (docs/outputs.md, `compare`) with one column per varied key after `variant`."""
    if not vary:
        raise UsageError("compare: vary is empty. Fix: give {key: [value1, value2, ...]}")
    args = []
    for key, values in vary.items():
        values = list(values) if isinstance(values, (list, tuple, range, np.ndarray)) else [values]
        args.append(f"{key}={','.join(_toml(v) for v in values)}")
    cols, variants, replicates_run = _pdlab.compare(
        os.fspath(scenario), _overrides(set, replicates, seed, threads), args)
    df = _frame(cols)
    assigned = {label: dict(a.split("=", 1) for a in assignments)
                for label, assignments in variants}
    at = df.columns.get_loc("variant") + 1
    for i, key in enumerate(vary):
        column = df["variant"].map(lambda label, k=key: assigned[label][k])
        try:
            column = pd.to_numeric(column)
        except (ValueError, TypeError):
            pass
        df.insert(at + i, key, column)
    df.attrs["replicates"] = replicates_run
    df.attrs["baseline"] = variants[0][0]
    return df


def riskset(scenario, events, covariates=None, static=None, policy=None, level=None, set=None,
            terms=None, inherit=None, event_covariates=None, edges=None):
    """The discrete-time risk set (unit x period rows until adoption) of observed `events`
    (a CSV path or a DataFrame with unit_id, policy_id, time) on the scenario's hierarchy and
    calendar; `covariates` (unit_id, time, variable, value) adds time-varying columns and
    `static` hierarchy columns; `inherit` names covariates a unit takes from its nearest
    superior, `event_covariates` policies whose events become `adopted.<id>` columns, `terms`
    computed columns ("trend + log(x)"), `edges` an edge list replacing the scenario's (e.g.
    "china:prefecture_adjacency"). df.attrs holds the counts (events, after_horizon, ...)."""
    with tempfile.TemporaryDirectory(prefix="pdlab-riskset-") as tmp:
        tables, report = _pdlab.riskset(
            os.fspath(scenario), _overrides(set, None, None, None),
            _csv(events, tmp, "events.csv"), _csv(covariates, tmp, "covariates.csv"),
            list(static or []), policy or "", level or "", os.path.join(tmp, "riskset.sqlite"),
            terms or "", list(inherit or []), list(event_covariates or []),
            os.fspath(edges) if edges else "")
    df = _frame(tables["riskset"])
    df.attrs.update(report)
    return df


def _fit_frame(cols, info):
    _warn(info.pop("warnings"))
    df = _frame(cols)
    df.attrs.update(info)
    return df


def eha(data, formula, link="cloglog", cluster=None, offset=None):
    """A discrete-time event-history GLM (cloglog or logit) fitted to `data` (a risk-set CSV
    path or DataFrame), e.g. formula="event ~ vertical + horizontal + factor(policy_id)".
    Returns the coefficient table; df.attrs holds n, events, log_likelihood, aic, ..."""
    with tempfile.TemporaryDirectory(prefix="pdlab-eha-") as tmp:
        cols, info = _pdlab.eha(_csv(data, tmp, "data.csv"), formula, link, cluster or "",
                                offset or "")
    return _fit_frame(cols, info)


def cox(data, formula, ties="efron", strata=None, cluster=None):
    """A Cox proportional hazards model fitted to (start, stop] `data` (CSV path or
    DataFrame), e.g. formula="Surv(tstart, tstop, event) ~ horizontal". Returns the
    coefficient table; df.attrs holds n, events, log_likelihood, ..."""
    with tempfile.TemporaryDirectory(prefix="pdlab-cox-") as tmp:
        cols, info = _pdlab.cox(_csv(data, tmp, "data.csv"), formula, ties, strata or "",
                                cluster or "")
    return _fit_frame(cols, info)


def infer(cascades, nodes=None, model="exponential", flavour="snap", params=None,
          epsilon=1e-64, edges=0, p_value_cutoff=0.0):
    """A diffusion network inferred from `cascades` (CSV path or DataFrame with node_name,
    event_time, cascade_id) by NetInf. Returns the edges; df.attrs holds the transmission
    parameter used and the log-likelihoods."""
    with tempfile.TemporaryDirectory(prefix="pdlab-infer-") as tmp:
        cols, info = _pdlab.infer(_csv(cascades, tmp, "cascades.csv"),
                                  _csv(nodes, tmp, "nodes.csv"), model, flavour,
                                  None if params is None else float(params), float(epsilon),
                                  int(edges), float(p_value_cutoff))
    df = _frame(cols)
    df.attrs.update(info)
    return df


def units(query, scenario=None, limit=20):
    """Units whose code is `query` or begins with it, or whose name (Chinese, or English where
    a source gives one, case-insensitively) contains it, nearest first: a DataFrame with
    unit_id, parent_id, level, level_index, type (street_office, town, ...; None when the
    hierarchy has no type column), name, name_en, within (ancestors' names, top first) and
    within_ids. Looks in China's shipped hierarchy, or in `scenario`'s."""
    rows = _pdlab.units("" if scenario is None else os.fspath(scenario), str(query), int(limit))
    df = pd.DataFrame(rows, columns=["unit_id", "parent_id", "level", "level_index", "type",
                                     "name", "name_en", "within", "within_ids"])
    for c in ["parent_id", "type", "name_en", "within", "within_ids"]:
        df[c] = df[c].replace("", None)
    return df


def schemas():
    """The registry of pdlab's tables: {name: DataFrame of column, type, meaning}. Tables
    with run-dependent columns (quantiles, covariates) list their fixed columns."""
    return {name: pd.DataFrame(cols, columns=["column", "type", "meaning"])
            for name, _, cols in _pdlab.schemas()}
