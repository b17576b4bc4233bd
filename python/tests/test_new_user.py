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
    assert any("can never be events (level= prefecture" in str(w.message) for w in notes)
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
