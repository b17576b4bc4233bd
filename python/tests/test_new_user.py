"""What new-user trials of the module found (2026-12-06): each test fails with the old
behaviour."""
import warnings

import numpy as np
import pandas as pd
import pytest

import pdlab
from conftest import SRC, TOY

DC = SRC / "examples" / "dual_carbon"
CAL = SRC / "tests" / "data" / "toy_calibrate.toml"
QUICK = {"calibrate.max_evaluations": 10, "calibrate.replicates": 2, "calibrate.starts": 1,
         "calibrate.validation_replicates": 2}


def test_errors_of_the_module_itself_have_kind_and_exit_code():
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.compare(TOY, vary={})
    assert e.value.kind == "usage" and e.value.exit_code == 64


def test_read_study_reads_the_tables_named(toy_study, tmp_path):
    path = tmp_path / "t.sqlite"
    pdlab.run(TOY, replicates=2, out=path)
    assert sorted(pdlab.read_study(path, tables="runs").tables) == ["runs"]  # a name, one table
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.read_study(path, tables=["nope", "runs"])
    assert "field 'tables' = 'nope': the study has no such table" in str(e.value)
    assert e.value.exit_code == 64


def test_a_missing_whole_number_is_named_on_its_own_line():
    events = pd.read_csv(DC / "events.csv")
    events.loc[3, "time"] = np.nan  # pandas makes the column float: 2020.0
    with pytest.raises(pdlab.DataError) as e:
        pdlab.riskset(DC / "dual_carbon.toml", events=events, level="prefecture")
    assert "the DataFrame events= (line 5 as CSV): field 'time' = ''" in str(e.value)


def test_one_name_for_a_list_and_notes_as_warnings_at_the_callers_line():
    events = pd.read_csv(DC / "events.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rs = pdlab.riskset(DC / "dual_carbon.toml", events=events, static="migrant_share")
    assert "migrant_share" in rs.columns
    notes = [w for w in caught if issubclass(w.category, pdlab.PdlabWarning)]
    assert any("can never be events (level='prefecture'" in str(w.message) for w in notes)
    assert all(w.filename == __file__ for w in notes)


def test_calibrated_scenario_names_a_dataframe_of_targets():
    targets = pd.read_csv(SRC / "tests" / "data" / "toy_calibrate_targets.csv")
    fit = pdlab.calibrate(CAL, targets, set=QUICK)
    first = fit.attrs["scenario_toml"].splitlines()[0]
    assert first.startswith("# Calibrated by `pdlab calibrate` to the DataFrame targets=:")


def test_fit_and_check_fit_take_the_options_of_their_subcommands():
    robust = pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture",
                       terms="horizontal")
    model = pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture",
                      terms="horizontal", cluster="none")
    assert not np.allclose(robust["std_error"], model["std_error"])
    assert np.allclose(robust["estimate"], model["estimate"])
    with pytest.raises(pdlab.UsageError, match="not a way to cluster"):
        pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture", cluster="x")
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.abc(CAL, SRC / "tests" / "data" / "toy_calibrate_targets.csv", particles=1)
    assert "--" not in str(e.value) and "particles=" in str(e.value)


def test_a_bool_column_is_read_as_one_and_zero():
    events = pd.read_csv(DC / "events.csv")
    rs = pdlab.riskset(DC / "dual_carbon.toml", events=events, level="prefecture",
                       covariates=DC / "covariates.csv", static="migrant_share")
    as_int = pdlab.eha(rs, "event ~ horizontal + log_gdp_pc").set_index("term")
    flags = rs.assign(event=rs["event"] == 1)  # the event as True/False (numpy bool)
    assert flags["event"].dtype == bool
    as_bool = pdlab.eha(flags, "event ~ horizontal + log_gdp_pc").set_index("term")
    np.testing.assert_array_equal(as_bool["estimate"], as_int["estimate"])
    nullable = rs.assign(event=(rs["event"] == 1).astype("boolean"))  # pandas' nullable bool
    as_nullable = pdlab.eha(nullable, "event ~ horizontal + log_gdp_pc").set_index("term")
    np.testing.assert_array_equal(as_nullable["estimate"], as_int["estimate"])


def test_a_line_break_in_a_text_cell_is_named_by_column_and_row():
    events = pd.read_csv(DC / "events.csv", dtype={"unit_id": str})
    events.loc[3, "unit_id"] = events.loc[3, "unit_id"] + "\n"
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.riskset(DC / "dual_carbon.toml", events=events, level="prefecture")
    message = str(e.value)
    assert "the DataFrame events=, column 'unit_id', row 3" in message
    assert "holds a line break" in message
    assert message.endswith("e.g. df['unit_id'] = df['unit_id'].str.replace(r'[\\r\\n]+', ' ', "
                            "regex=True)")
    assert e.value.exit_code == 64


def test_a_category_column_and_an_object_column_of_flags():
    events = pd.read_csv(DC / "events.csv", dtype={"unit_id": str})
    plain = pdlab.riskset(DC / "dual_carbon.toml", events=events, level="prefecture")
    as_category = events.assign(policy_id=events["policy_id"].astype("category"))
    same = pdlab.riskset(DC / "dual_carbon.toml", events=as_category, level="prefecture")
    assert len(same) == len(plain) and same["event"].sum() == plain["event"].sum()
    # True/False with a blank, as read_csv gives it (object dtype): 1/0 and missing
    rs = plain.assign(flag=pd.Series([True, False] * (len(plain) // 2) + [True] * (len(plain) % 2),
                                     dtype=object))
    rs.loc[0, "flag"] = np.nan
    fit = pdlab.eha(rs, "event ~ horizontal + flag")
    assert "flag" in set(fit["term"]) and fit.attrs["n"] == len(rs) - 1


def test_read_study_of_no_tables_and_of_a_file_not_a_study(tmp_path):
    path = tmp_path / "t.sqlite"
    pdlab.run(TOY, replicates=2, out=path)
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.read_study(path, tables=[])
    assert "tables= names no table" in str(e.value)
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database\n")
    with pytest.raises(pdlab.Error) as e:
        pdlab.read_study(text)
    assert "`pdlab.run(..., out='FILE.sqlite')`" in str(e.value)


def test_cases_of_one_folder_note_the_others_and_record_the_call(tmp_path):
    import shutil
    import sqlite3
    folder = tmp_path / "one"
    folder.mkdir()
    for name in ("haicang.toml", "held_out.csv"):
        shutil.copy(SRC / "scenarios" / "cases" / name, folder / name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = pdlab.cases(folder, out_dir=tmp_path / "out", replicates=2)
    notes = [str(w.message) for w in caught if issubclass(w.category, pdlab.PdlabWarning)]
    assert any("whose facts are not checked: chengdu (2 facts)" in n for n in notes), notes
    assert list(result.held_out["case"]) == ["haicang"]
    line = sqlite3.connect(result.studies["haicang"]).execute(
        "SELECT value FROM meta WHERE key = 'command_line'").fetchone()[0]
    assert line == f"pdlab.cases({str(folder)!r}, out_dir={str(tmp_path / 'out')!r}, " \
                   "--set run.replicates=2)"


def test_sensitivity_warns_of_undefined_resamples():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdlab.sensitivity(TOY, ["promotion.pilot_success", "vertical.pilot=0:2"], samples=16,
                          replicates=2)
    assert any("bootstrap resamples, where the outcome does not vary" in str(w.message)
               for w in caught)


# A second trial (2026-12-06, night): each test fails with the behaviour before it.
F = ["promotion.pilot_success", "adoption.gamma_vertical=0:2"]


def test_a_confidence_outside_0_1_is_refused_not_read_out_of_bounds():
    for bad in (90, -1, float("nan"), 1e6):
        with pytest.raises(pdlab.UsageError) as e:
            pdlab.sensitivity(TOY, F, samples=8, replicates=1, bootstrap=100, confidence=bad)
        assert "strictly between 0 and 1" in str(e.value) and "0.95" in str(e.value)


def test_sensitivity_factors_as_a_string_a_dict_or_tuples():
    one = pdlab.sensitivity(TOY, "promotion.pilot_success", samples=8, replicates=1,
                            bootstrap=100)
    assert [f["key"] for f in one.attrs["factors"]] == ["promotion.pilot_success"]
    ranged = pdlab.sensitivity(TOY, {"adoption.gamma_vertical": (0, 2),
                                     "promotion.pilot_success": None},
                               samples=8, replicates=1, bootstrap=100)
    assert ranged.attrs["factors"][0] == {"key": "adoption.gamma_vertical", "lo": 0.0, "hi": 2.0}
    tuples = pdlab.sensitivity(TOY, [("adoption.gamma_vertical", 0, 2)], samples=8,
                               replicates=1, bootstrap=100)
    assert tuples.attrs["factors"] == [{"key": "adoption.gamma_vertical", "lo": 0.0, "hi": 2.0}]


def test_vary_values_from_pandas_numpy_and_text_with_a_comma():
    by_series = pdlab.compare(TOY, vary={"promotion.pilot_success": pd.Series([0.8, 0.3])},
                              replicates=2)
    assert sorted(by_series["promotion.pilot_success"].unique()) == [0.3, 0.8]
    flags = pdlab.compare(TOY, vary={"adoption.success_weighted": [np.bool_(True), False]},
                          replicates=2)
    assert flags["adoption.success_weighted"].dtype == bool
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.compare(TOY, vary={"promotion.pilot_success": {0.8, 0.3}}, replicates=2)
    assert "a set has no order" in str(e.value)
    # One value with a comma stays one value (and is no pilot rule): not two variants.
    with pytest.raises(pdlab.Error) as e:
        pdlab.compare(TOY, vary={"promotion.pilot_rule": ["capacity,random", "random"]},
                      replicates=2)
    assert "capacity,random" in str(e.value)


def test_set_values_keep_their_python_types():
    with pytest.raises(pdlab.Error) as e:  # a str is text, not the boolean true
        pdlab.run(TOY, replicates=1, set={"stability.enabled": "true"})
    assert "must be true or false" in str(e.value)
    s = pdlab.run(TOY, replicates=1, set={"output.quantiles": np.array([0.1, 0.9]),
                                          "adoption.success_weighted": np.bool_(False)})
    assert {"q10", "q90"} <= set(s.summary_time.columns)
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.run(TOY, set=["promotion.pilot_success=0.5"])
    assert "takes a dict" in str(e.value)


def test_counts_and_texts_of_the_wrong_type_are_named():
    with pytest.raises(pdlab.UsageError, match=r"^replicates=2\.7: must be a whole number"):
        pdlab.run(TOY, replicates=2.7)
    with pytest.raises(pdlab.UsageError, match=r"^replicates='two'"):
        pdlab.run(TOY, replicates="two")
    assert len(pdlab.run(TOY, replicates=2.0).runs) == 2
    with pytest.raises(pdlab.UsageError, match=r"^level=\['prefecture'\]: takes one str"):
        pdlab.riskset(DC / "dual_carbon.toml", DC / "events.csv", level=["prefecture"])
    with pytest.raises(pdlab.UsageError, match=r"takes a DataFrame or a path"):
        pdlab.riskset(DC / "dual_carbon.toml", pd.read_csv(DC / "events.csv")["unit_id"])


def test_tables_are_checked_before_the_run(tmp_path):
    out = tmp_path / "t.sqlite"
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.run(TOY, replicates=1, out=out, tables=["summary_tim"])
    assert "did you mean 'summary_time'?" in str(e.value)
    assert not out.exists()


def test_read_study_refuses_a_folder_and_other_sqlite_and_warns_of_an_unfinished_one(tmp_path):
    with pytest.raises(pdlab.NoInputError, match="a folder, not a study file"):
        pdlab.read_study(tmp_path)
    import sqlite3
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE x (a)")
    with pytest.raises(pdlab.DataError, match="not a pdlab study"):
        pdlab.read_study(other)
    done = tmp_path / "done.sqlite"
    pdlab.run(TOY, replicates=2, out=done)
    with sqlite3.connect(done) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'complete'")
    with pytest.warns(pdlab.PdlabWarning, match="unfinished study: 2 of 2 replicates"):
        pdlab.read_study(done)


def test_resuming_a_complete_study_says_so(tmp_path):
    out = tmp_path / "t.sqlite"
    pdlab.run(TOY, replicates=1, out=out)
    with pytest.raises(pdlab.CantCreateError, match="the study is complete: nothing to resume"):
        pdlab.run(TOY, replicates=1, out=out, resume=True)


def test_a_missing_edges_file_is_named_as_the_argument():
    with pytest.raises(pdlab.NoInputError, match=r"^edges='nope.csv': file not found"):
        pdlab.riskset(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture",
                      edges="nope.csv")


def test_duplicate_columns_are_refused_by_name():
    syn = pd.read_csv(SRC / "tests" / "reference" / "synthetic.csv")
    data = pd.concat([syn[["y", "x1"]], syn[["x1"]]], axis=1)
    with pytest.raises(pdlab.UsageError, match="names the column 'x1' twice"):
        pdlab.eha(data, "y ~ x1")


def test_messages_in_python_words():
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.sensitivity(TOY, F, samples=0, replicates=1)
    assert "samples=64" in str(e.value) and "--" not in str(e.value)
    with pytest.raises(pdlab.ConfigError) as e:
        pdlab.run(TOY, replicates=1, set={"hierarchy.root": True})
    assert "from Python: pass the value as a str" in str(e.value) and "set[''" not in str(e.value)
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.units("")
    assert "query=" in str(e.value) and "QUERY" not in str(e.value)


def test_notes_are_their_own_category_and_dropped_rows_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=pdlab.PdlabNote)
        pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture")
    syn = pd.read_csv(SRC / "tests" / "reference" / "synthetic.csv")
    syn.loc[:5, "x1"] = np.nan
    with pytest.warns(pdlab.PdlabWarning, match="6 rows with a missing value"):
        pdlab.eha(syn, "y ~ x1")


def test_units_keeps_its_types_when_nothing_matches_and_strips_the_query():
    assert pdlab.units("zzzzqqq").dtypes["level_index"] == np.int64
    assert len(pdlab.units(" 320585 ")) == len(pdlab.units("320585")) > 0


def test_ctrl_c_stops_a_long_run_and_resume_finishes_it(tmp_path):
    import os
    import signal
    import threading
    import time
    out = tmp_path / "k.sqlite"
    jiangsu = SRC / "scenarios" / "cases" / "jiangsu-rollout.toml"
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        pdlab.run(jiangsu, replicates=40, threads=1, out=out)  # some 4 s in all
    timer.join()
    # Stopped between replicates, before the end: the partial study is there to resume.
    assert not out.exists() and (tmp_path / "k.sqlite.partial").exists()
    done = pdlab.run(jiangsu, replicates=40, threads=1, out=out, resume=True, tables=["runs"])
    assert len(done.runs) == 40 and done.report["resumed_replicates"] > 0
    with pytest.raises(KeyboardInterrupt):  # Python's own handler is back
        threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        time.sleep(5)


def test_ctrl_c_stops_infer_between_edges(tmp_path):
    import os
    import signal
    import threading
    import time
    # Cascades whose greedy search takes some seconds: 3,000 cascades of 40 of 2,000 nodes.
    rng = np.random.default_rng(1)
    nodes = np.concatenate([rng.choice(2000, 40, replace=False) for _ in range(3000)])
    times = rng.exponential(1.0, (3000, 40)).cumsum(axis=1).ravel()
    cascades = tmp_path / "cascades.csv"
    pd.DataFrame({"node_name": [f"n{n}" for n in nodes], "event_time": times,
                  "cascade_id": np.repeat(np.arange(3000), 40)}).to_csv(cascades, index=False)
    start = time.monotonic()
    pdlab.infer(cascades)
    whole = time.monotonic() - start
    timer = threading.Timer(0.1 * whole, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        pdlab.infer(cascades)
    stopped = time.monotonic() - start
    timer.join()
    # Stopped within the search (a module without the check returns the whole network first).
    assert stopped < 0.6 * whole


def test_a_backticked_column_name_keeps_its_spaces():
    syn = pd.read_csv(SRC / "tests" / "reference" / "synthetic.csv")
    spaced = pdlab.eha(syn.rename(columns={"x1": "x 1"}), "y ~ `x 1` + x2").set_index("term")
    plain = pdlab.eha(syn, "y ~ x1 + x2").set_index("term")
    assert spaced.loc["x 1", "estimate"] == plain.loc["x1", "estimate"]


def test_a_misspelt_target_column_is_refused_not_ignored():
    targets = pd.DataFrame({"level": ["township"], "date": ["2012-12"], "share": [0.4],
                            "wieght": [2]})
    with pytest.raises(pdlab.DataError, match="a column a letter or two from 'weight'"):
        pdlab.abc(CAL, targets, particles=20, generations=2)


def test_errors_are_also_the_builtin_exceptions_they_are_like(tmp_path):
    with pytest.raises(FileNotFoundError):
        pdlab.run(tmp_path / "nope.toml")
    with pytest.raises(ValueError):
        pdlab.run(TOY, set={"vertical.attenuatio": 0.3})
    with pytest.raises(ValueError):
        pdlab.compare(TOY, vary={})
    out = tmp_path / "t.sqlite"
    out.write_text("")
    with pytest.raises(OSError):
        pdlab.run(TOY, replicates=1, out=out)


def test_a_named_index_and_whole_numbers_in_an_object_column_are_read():
    events = pd.read_csv(DC / "events.csv", dtype={"unit_id": str})
    plain = pdlab.riskset(DC / "dual_carbon.toml", events, level="prefecture")
    indexed = pdlab.riskset(DC / "dual_carbon.toml", events.set_index("unit_id"),
                            level="prefecture")
    assert len(indexed) == len(plain) and indexed.attrs["events"] == plain.attrs["events"]
    excel = events.astype({"time": object})
    excel["time"] = [float(t) for t in events["time"]]  # 2020.0 in an object column
    assert len(pdlab.riskset(DC / "dual_carbon.toml", excel, level="prefecture")) == len(plain)


def test_fits_record_their_specification():
    syn = pd.read_csv(SRC / "tests" / "reference" / "synthetic.csv")
    fit = pdlab.eha(syn, "y ~ x1", link="logit")
    assert fit.attrs["formula"] == "y ~ x1" and fit.attrs["link"] == "logit"


def test_compare_keeps_its_study_with_the_time_series(tmp_path):
    out = tmp_path / "c.sqlite"
    table = pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.3]}, replicates=2,
                          out=out)
    study = pdlab.read_study(out)
    assert len(study.compare) == len(table) and len(study.compare_time) > 0
    assert study.meta["variants"] == "2"
    with pytest.raises(pdlab.CantCreateError):  # exists: refused before running
        pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.3]}, replicates=2, out=out)
    with pytest.raises(pdlab.UsageError, match="ending in .sqlite"):
        pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.3]}, out=tmp_path / "c.csv")


def test_ctrl_c_stops_abc_between_generations(tmp_path):
    import os
    import signal
    import threading
    targets = pd.DataFrame({"level": ["township"], "date": ["2012-12"], "share": [0.4]})
    out = tmp_path / "abc.toml"
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):  # (30 generations of 2,000 would take minutes)
        pdlab.abc(CAL, targets, particles=2000, generations=30, threads=1, out=out)
    timer.join()
    assert not out.exists()  # stopped before the end, which writes it


# A field trial of the governance studies (2026-12-07): each test fails with the old behaviour.
GOV = SRC / "scenarios" / "examples" / "toy_governance.toml"


def _said(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught]


def test_a_key_an_event_sets_warns_and_the_events_value_is_a_factor():
    # toy_governance's event 1 sets coproduction.mobilisation to 1.5 from 2014-01.
    _, said = _said(lambda: pdlab.compare(GOV, vary={"coproduction.mobilisation": [1, 2]},
                                          replicates=2, threads=1))
    assert any("coproduction.mobilisation is varied, but event.1" in m and
               "vary={'event.1.value': [V1, V2, ...]} (or a variants= column event.1.value)" in m
               for m in said), said
    _, said = _said(lambda: pdlab.sensitivity(GOV, "coproduction.mobilisation=0.5:2",
                                              method="morris", trajectories=2, replicates=1,
                                              bootstrap=100, threads=1))
    assert any("factors=['event.1.value=LO:HI']" in m for m in said), said
    table, said = _said(lambda: pdlab.sensitivity(GOV, "event.1.value=0.5:2", method="morris",
                                                  trajectories=2, replicates=1, bootstrap=100,
                                                  threads=1))
    assert not any("is varied, but" in m for m in said), said
    assert set(table["factor"]) == {"event.1.value"}
    targets = pd.DataFrame({"level": ["township"], "date": ["2015-06"], "value": [0.2],
                            "metric": ["participation_migrant"]})
    free = '[{name="mob",keys=["coproduction.mobilisation"],lo=0.5,hi=2.0,start=1.0}]'
    _, said = _said(lambda: pdlab.calibrate(
        GOV, targets, set={"calibrate.free": free, **QUICK}, threads=1))
    assert any("coproduction.mobilisation is fitted, but event.1" in m for m in said), said


def test_sobol_indices_no_decomposition_allows_are_a_warning():
    _, said = _said(lambda: pdlab.sensitivity(
        TOY, ["promotion.pilot_success=0.3:1", "vertical.pilot=0:2"], samples=16, replicates=5,
        threads=1))
    assert any("no variance decomposition allows" in m and "raise samples= (to 256" in m
               for m in said), said
