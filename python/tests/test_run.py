"""pdlab.run and pdlab.read_study: tables as DataFrames with the registry's columns."""
import os
import subprocess
import sys

import pandas as pd
import pytest

import pdlab
from conftest import TOY, final_share


def test_tables_have_the_registry_columns(toy_study):
    registry = pdlab.schemas()
    assert {"meta", "runs", "adoptions", "summary_time", "levels"} <= set(toy_study.tables)
    for name, df in toy_study.tables.items():
        assert isinstance(df, pd.DataFrame)
        fixed = list(registry[name]["column"])
        # Tables with run-dependent columns (quantiles) list the fixed ones first.
        assert list(df.columns[:len(fixed)]) == fixed, name
    assert list(toy_study.summary_time.columns[-3:]) == ["q05", "q50", "q95"]


def test_column_types_follow_the_registry(toy_study):
    st = toy_study.summary_time
    assert st["policy_id"].dtype == object and st["level"].dtype == object
    assert st["period"].dtype == "int64" and st["replicates"].dtype == "int64"
    assert st["mean"].dtype == "float64"
    # Never-reached periods are NULL in SQLite: nullable integers, not floats or zeros.
    full = toy_study.adoptions["full_period"]
    assert str(full.dtype) in ("int64", "Int64")


def test_values_are_plausible(toy_study):
    assert len(toy_study.runs) == 3
    assert (toy_study.summary_time["replicates"] == 3).all()
    assert toy_study.report["replicates"] == 3
    assert toy_study.report["adoptions"] == len(toy_study.adoptions)
    shares = toy_study.summary_time.query("metric == 'adopted'")["mean"]
    assert shares.between(0, 1).all()
    assert 0 < final_share(toy_study) <= 1
    assert toy_study.meta["complete"] == "1"
    assert toy_study.path is None


def test_set_changes_the_outcome(toy_study):
    # Pilots that never succeed stop the scale-up mandate: fewer townships adopt.
    failed = pdlab.run(TOY, set={"promotion.pilot_success": 0.0}, replicates=3)
    assert final_share(failed) < final_share(toy_study) - 0.1
    params = failed.params.set_index("key")["value"]
    assert float(params["promotion.pilot_success"]) == 0.0


def test_same_seed_same_study():
    a = pdlab.run(TOY, replicates=2, seed=7, tables=["summary_time"])
    b = pdlab.run(TOY, replicates=2, seed=7, tables=["summary_time"])
    pd.testing.assert_frame_equal(a.summary_time, b.summary_time)
    assert set(a.tables) == {"summary_time"}


def test_out_keeps_the_file_and_read_study_reads_it(tmp_path, toy_study):
    out = tmp_path / "toy.sqlite"
    s = pdlab.run(TOY, replicates=3, out=out)
    assert out.exists() and s.path == str(out)
    back = pdlab.read_study(out)
    pd.testing.assert_frame_equal(back.summary_time, s.summary_time)
    pd.testing.assert_frame_equal(back.summary_time, toy_study.summary_time)
    with pytest.raises(pdlab.CantCreateError) as e:
        pdlab.run(TOY, replicates=3, out=out)
    assert e.value.kind == "cant_create" and e.value.exit_code == 73
    pdlab.run(TOY, replicates=2, out=out, force=True)
    assert len(pdlab.read_study(out, tables=["runs"]).runs) == 2


def test_unknown_table_is_an_attribute_error(toy_study):
    with pytest.raises(AttributeError, match="no table 'summary'"):
        toy_study.summary


def test_study_that_cannot_fit_is_refused_before_writing(tmp_path):
    # Like `pdlab run`, pdlab.run() estimates the study from one replicate and refuses it,
    # writing nothing, when it cannot fit: here under a 16 KiB file-size limit (set in a
    # child process, which then reports what it saw).
    out = tmp_path / "big.sqlite"
    code = (
        "import resource, sys, pdlab\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (16384, resource.RLIM_INFINITY))\n"
        "try:\n"
        f"    pdlab.run({str(TOY)!r}, replicates=50, out={str(out)!r})\n"
        "    print('ran')\n"
        "except pdlab.CantCreateError as e:\n"
        "    print('refused', e.exit_code, 'file-size limit' in str(e))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=os.environ.copy(), check=False)
    assert r.stdout.split() == ["refused", "73", "True"], r.stdout + r.stderr
    assert list(tmp_path.iterdir()) == []


def test_resume_needs_the_file_to_finish():
    with pytest.raises(pdlab.UsageError, match="resume needs out"):
        pdlab.run(TOY, replicates=2, resume=True)
