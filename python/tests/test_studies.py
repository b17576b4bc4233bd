"""pdlab.sensitivity, calibrate, abc, fit, check_fit and cases: the library's design
workflows from Python, with the CLI's results and errors."""
import math
import shutil

import pandas as pd
import pytest

import pdlab
from conftest import SRC, TOY

DATA = SRC / "tests" / "data"
CAL = DATA / "toy_calibrate.toml"
TARGETS = DATA / "toy_calibrate_targets.csv"
DC = SRC / "examples" / "dual_carbon"
# The toy calibration's closed form: 1 - exp(-36 exp(alpha)) = 0.4.
ALPHA = math.log(-math.log(0.6) / 36)


def test_sensitivity_table_and_threads():
    factors = ["promotion.pilot_success", "adoption.gamma_vertical=0:2"]
    a = pdlab.sensitivity(TOY, factors, samples=8, replicates=2, bootstrap=100, threads=1)
    b = pdlab.sensitivity(TOY, factors, samples=8, replicates=2, bootstrap=100, threads=2)
    assert list(a.columns) == list(pdlab.schemas()["sensitivity"]["column"])
    assert a.attrs["design_points"] == 8 * (2 + 2) and a.attrs["replicates"] == 2
    assert a.attrs["factors"][1] == {"key": "adoption.gamma_vertical", "lo": 0.0, "hi": 2.0}
    assert set(a["factor"]) == {"promotion.pilot_success", "adoption.gamma_vertical"}
    assert a.equals(b)  # common random numbers: the same indices at any thread count


def test_sensitivity_kept_as_a_study_for_the_report(tmp_path):
    out = tmp_path / "sens.sqlite"
    a = pdlab.sensitivity(TOY, ["adoption.gamma_vertical=0:2"], method="morris", trajectories=2,
                          replicates=1, bootstrap=100, threads=1, out=out)
    study = pdlab.read_study(out)
    assert study.sensitivity.equals(a)
    assert study.meta["method"] == "morris"
    assert study.meta["factors"] == "adoption.gamma_vertical=0:2"
    with pytest.raises(pdlab.CantCreateError):  # exists: refused before the run
        pdlab.sensitivity(TOY, ["adoption.gamma_vertical=0:2"], method="morris", trajectories=2,
                          replicates=1, bootstrap=100, out=out)
    with pytest.raises(pdlab.UsageError, match=".sqlite"):
        pdlab.sensitivity(TOY, ["adoption.gamma_vertical"], out=tmp_path / "sens.csv")


def test_sensitivity_bad_input():
    with pytest.raises(pdlab.UsageError, match="method"):
        pdlab.sensitivity(TOY, ["promotion.pilot_success"], method="fast")
    with pytest.raises(pdlab.Error, match="no_such.key"):
        pdlab.sensitivity(TOY, ["no_such.key"], samples=8, replicates=1, bootstrap=100)


def test_calibrate_recovers_closed_form(tmp_path):
    out = tmp_path / "fit.toml"
    df = pdlab.calibrate(CAL, TARGETS, out=out)
    best = df.attrs["best"]["level"]
    assert abs(best - ALPHA) < 0.15, best  # as the CLI test (replicate noise of 40 x 200)
    assert out.read_text() == df.attrs["scenario_toml"]
    assert f"township = {best!r}" in df.attrs["scenario_toml"]  # the value set in the TOML
    assert list(df.columns) == list(pdlab.schemas()["calibration"]["column"])
    assert len(df.attrs["starts"]) == 2
    with pytest.raises(pdlab.CantCreateError, match="exists"):
        pdlab.calibrate(CAL, TARGETS, out=out)
    # The fitted scenario runs.
    assert len(pdlab.run(out, replicates=1).summary_time) > 0


def test_calibrate_without_free_parameters():
    with pytest.raises(pdlab.ConfigError, match="no free parameters"):
        pdlab.calibrate(TOY, TARGETS)


def test_abc_posterior_threads_and_bands():
    kw = dict(particles=30, generations=3, draws=20, seed=7)
    a = pdlab.abc(CAL, TARGETS, threads=1, **kw)
    b = pdlab.abc(CAL, TARGETS, threads=2, **kw)
    assert a.posterior.equals(b.posterior) and a.summary.equals(b.summary)
    assert len(a.generations) == 3 and a.generations["tolerance"].iloc[1:].is_monotonic_decreasing
    s = a.summary.iloc[0]
    assert s["parameter"] == "level" and -8 <= s["q05"] <= s["q95"] <= -2
    assert s["q05"] < ALPHA < s["q95"]  # the truth inside the 90% interval
    assert abs(a.posterior["weight"].sum() - 1) < 1e-9
    assert len(a.predictive) == 1 and a.predictive["q05"].iloc[0] <= 0.4
    with pytest.raises(pdlab.UsageError, match="particles"):
        pdlab.abc(CAL, TARGETS, particles=1)


def test_fit_then_check_fit(tmp_path):
    out = tmp_path / "fitted.toml"
    with pytest.warns(pdlab.PdlabWarning, match="aliased"):
        f = pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture",
                      static=["migrant_share", "urban_share"], out=out)
    assert out.exists() and f.attrs["events"] == 90
    assert f.set_index("term").loc["horizontal", "estimate"] > 0
    check = pdlab.check_fit(out, DC / "events.csv", replicates=10)
    assert list(check.columns) == list(pdlab.schemas()["check_fit"]["column"])
    assert set(check["level"]) == {"prefecture"}
    oos = pdlab.check_fit(out, DC / "events.csv", train_until="2022", replicates=10)
    assert list(oos["method"]) == ["model", "constant_hazard", "logistic"]
    assert oos.attrs["first_scored"] == "2023" and oos.attrs["held_out_events"] == 39
    # Monte Carlo standard errors beside the scores; near_best never repeats a best method.
    assert (oos["log_score_se"] > 0).all() and (oos["brier_se"] > 0).all()
    for score, near in oos.attrs["near_best"].items():
        assert not set(near) & set(oos.attrs["best"][score])
    with pytest.raises(pdlab.UsageError):
        pdlab.check_fit(out, DC / "events.csv", train_until="2030", replicates=10)
    # Two policies: the scenario's is compared in and out of sample, with a warning; policy=
    # names another, as --policy.
    events = pd.read_csv(DC / "events.csv")
    two = pd.concat([events, events.assign(policy_id="dc_doc")])
    with pytest.warns(pdlab.PdlabWarning, match="only the events of policy 'dual_carbon'"):
        pdlab.check_fit(out, two, replicates=4)
    with pytest.warns(pdlab.PdlabWarning, match="only the events of policy 'dual_carbon'"):
        pdlab.check_fit(out, two, train_until="2022", replicates=4)
    with pytest.warns(pdlab.PdlabWarning, match=r"'dc_doc' are compared \(policy=\)"):
        doc = pdlab.check_fit(out, two, replicates=4, policy="dc_doc")
    assert set(doc["level"]) == {"prefecture"}


def test_fit_carries_a_covariate_constant_within_units(tmp_path):
    out = tmp_path / "fitted.toml"
    with pytest.warns(pdlab.PdlabNote, match="constant within each unit"):
        f = pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture",
                      covariates=DC / "covariates.csv", static=["migrant_share"],
                      terms="horizontal + trend + migrant_share + log_gdp_pc", out=out)
    beside = tmp_path / "fitted_attributes.csv"
    assert f.attrs["attributes_path"] == str(beside)
    assert beside.read_text() == f.attrs["attributes_csv"]
    assert beside.read_text().startswith("unit_id,log_gdp_pc\n")
    assert "attributes = [ 'fitted_attributes.csv' ]" in out.read_text()
    # Refused, as the scenario is, when it exists.
    with pytest.raises(pdlab.CantCreateError, match="fitted"):
        pdlab.fit(DC / "dual_carbon.toml", DC / "events.csv", level="prefecture",
                  covariates=DC / "covariates.csv", static=["migrant_share"],
                  terms="horizontal + trend + migrant_share + log_gdp_pc", out=out)
    check = pdlab.check_fit(out, DC / "events.csv", replicates=5)
    assert set(check["level"]) == {"prefecture"}


def test_cases_one_folder(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(SRC / "scenarios" / "cases" / "haicang.toml", folder)
    c = pdlab.cases(folder, out_dir=tmp_path / "out", replicates=2)
    assert list(c.comparison["case"]) == ["haicang"] and c.held_out is None
    assert c.comparison["communities"].iloc[0] == 49
    assert pdlab.read_study(c.studies["haicang"]).meta
    with pytest.raises(pdlab.CantCreateError, match="exists"):
        pdlab.cases(folder, out_dir=tmp_path / "out", replicates=2)
