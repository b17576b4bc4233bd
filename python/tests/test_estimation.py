"""pdlab.riskset, eha, cox, infer: DataFrames in and out, checked against known answers."""
import warnings

import numpy as np
import pandas as pd
import pytest

import pdlab
from conftest import SRC

REF = SRC / "tests" / "reference"
DC = SRC / "examples" / "dual_carbon"


def simulated_riskset(seed=11, units=3000, periods=20, beta=(-3.0, 0.7, -0.4)):
    """A discrete-time risk set with a cloglog hazard of known coefficients: a unit-level x
    and a time-varying z; each unit is at risk until its event or the last period."""
    rng = np.random.default_rng(seed)
    rows = []
    x = rng.normal(size=units)
    for i in range(units):
        for t in range(periods):
            z = rng.integers(0, 2)
            eta = beta[0] + beta[1] * x[i] + beta[2] * z
            event = int(rng.random() < 1 - np.exp(-np.exp(eta)))
            rows.append((f"{i:05d}", t, x[i], z, event))
            if event:
                break
    return pd.DataFrame(rows, columns=["unit_id", "period", "x", "z", "event"])


def test_eha_recovers_known_coefficients():
    data = simulated_riskset()
    fit = pdlab.eha(data, "event ~ x + z", link="cloglog", cluster="unit_id")
    assert list(fit.columns) == list(pdlab.schemas()["eha"]["column"])
    est = fit.set_index("term")
    for term, true in [("(Intercept)", -3.0), ("x", 0.7), ("z", -0.4)]:
        assert abs(est.loc[term, "estimate"] - true) < 4 * est.loc[term, "std_error"], term
        assert abs(est.loc[term, "estimate"] - true) < 0.12, term
    assert fit.attrs["n"] == len(data) and fit.attrs["events"] == data["event"].sum()


def test_eha_matches_r_glm():
    ref = pd.read_csv(REF / "glm_reference.csv", skipinitialspace=True)
    ref = ref[ref["case"] == "synthetic_logit"].set_index("term")
    fit = pdlab.eha(REF / "synthetic.csv", "y ~ x1 + x2 + x3", link="logit").set_index("term")
    np.testing.assert_allclose(fit.loc[ref.index, "estimate"], ref["estimate"], rtol=1e-6)
    np.testing.assert_allclose(fit.loc[ref.index, "std_error"], ref["std_error"], rtol=1e-6)


def test_eha_cloglog_reaches_the_maximum_where_fisher_scoring_oscillates():
    """Fisher scoring (R's glm.fit) alternates between two points on these data and never
    converges; the fit was refused ("did not converge") with x flagged as diverging. The
    estimates must be the maximum of the likelihood: a zero score, computed here."""
    groups = [(0.0, 800, 1), (0.35, 80, 30), (0.7, 30, 25), (1.0, 10, 6)]
    x = np.repeat([g[0] for g in groups], [g[1] for g in groups])
    event = np.concatenate([[1] * e + [0] * (n - e) for _, n, e in groups])
    fit = pdlab.eha(pd.DataFrame({"event": event, "x": x}), "event ~ x", link="cloglog")
    b = fit.set_index("term")["estimate"]
    u = np.exp(b["(Intercept)"] + b["x"] * x)
    score = np.where(event == 1, u / np.expm1(u), -u)
    assert abs(score.sum()) < 1e-6 and abs((score * x).sum()) < 1e-6
    assert fit.attrs["iterations"] > 25 and not fit["separated"].any()


def test_eha_drops_a_collinear_term_when_dummies_separate():
    """horizontal is constant within each period (exactly collinear with the period dummies)
    and periods 37..57 have no event: the last dummy is dropped as aliased, as without the
    separation, and the separation is flagged; no NaN standard error beside an estimate."""
    rows, events, adopted = [50, 49, 36, 26] + [25] * 21, [1, 13, 10, 1] + [0] * 21, [0, 1, 14, 24]
    data = pd.DataFrame([(33 + t, (adopted[t] if t < 4 else 25) / 49, int(r < events[t]))
                         for t in range(25) for r in range(rows[t])],
                        columns=["period", "horizontal", "event"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = pdlab.eha(data, "event ~ horizontal + factor(period)", link="logit")
    texts = [str(w.message) for w in caught if issubclass(w.category, pdlab.PdlabWarning)]
    assert any("'factor(period)57' is collinear" in t for t in texts), texts
    assert any(t.startswith("separation: the estimate of 'horizontal'") for t in texts), texts
    est = fit.set_index("term")
    assert np.isnan(est.loc["factor(period)57", "estimate"])
    kept = est.drop(index="factor(period)57")
    assert np.isfinite(kept["std_error"]).all() and est.loc["horizontal", "separated"] == 1


def test_riskset_as_the_cli_builds_it_then_eha():
    rs = pdlab.riskset(DC / "dual_carbon.toml", events=DC / "events.csv",
                       covariates=DC / "covariates.csv", static=["migrant_share", "urban_share"],
                       level="prefecture")
    # The CLI's end-to-end test prints the same counts: 1284 rows, 90 events.
    assert len(rs) == 1284 and rs["event"].sum() == 90 and rs.attrs["events"] == 90
    fixed = list(pdlab.schemas()["riskset"]["column"])
    assert list(rs.columns[:len(fixed)]) == fixed
    assert {"migrant_share", "urban_share", "log_gdp_pc"} <= set(rs.columns)
    assert rs["unit_id"].dtype == object
    fit = pdlab.eha(rs, "event ~ horizontal + log_gdp_pc + factor(period)", cluster="parent_id")
    assert "log_gdp_pc" in set(fit["term"]) and (fit["se_type"] == "cluster").any()


def test_cox_matches_r_survival():
    ref = pd.read_csv(REF / "cox_reference.csv", skipinitialspace=True, na_values="NA")
    ref = ref[ref["case"] == "cox_efron"].set_index("term")
    fit = pdlab.cox(REF / "cox_synthetic.csv", "Surv(tstart, tstop, event) ~ x1 + x2")
    assert list(fit.columns) == list(pdlab.schemas()["cox"]["column"])
    fit = fit.set_index("term")
    np.testing.assert_allclose(fit.loc[ref.index, "estimate"], ref["estimate"], rtol=1e-6)
    assert fit.attrs["log_likelihood"] == pytest.approx(ref["loglik"].iloc[0], rel=1e-9)
    # The likelihood-ratio test against every coefficient 0, as `cox --stats` writes it.
    a = fit.attrs
    assert a["lr_df"] == 2 and a["parameters"] == 2
    assert a["lr_statistic"] == pytest.approx(2 * (a["log_likelihood"] - a["log_likelihood_null"]))
    assert 0 <= a["lr_p_value"] <= 1 and a["aic"] == pytest.approx(-2 * a["log_likelihood"] + 4)
    assert a["n_strata"] == 0
    by_s = pdlab.cox(REF / "cox_synthetic.csv", "Surv(tstart, tstop, event) ~ x1 + x2", strata="s")
    assert by_s.attrs["n_strata"] > 1 and by_s.attrs["lr_df"] == 2


def test_eha_statistics_match_r():
    ref = pd.read_csv(REF / "glm_reference.csv", skipinitialspace=True)
    ref = ref[ref["case"] == "dual_carbon_cloglog"]
    fit = pdlab.eha(REF / "dual_carbon_riskset.csv",
                    "event ~ horizontal + migrant_share + log_gdp_pc + factor(period)")
    a = fit.attrs
    assert a["aic"] == pytest.approx(ref["aic"].iloc[0], rel=1e-9)
    assert a["deviance"] == pytest.approx(ref["deviance"].iloc[0], rel=1e-9)
    assert a["parameters"] == 7 and a["lr_df"] == 6
    assert a["lr_statistic"] == pytest.approx(a["null_deviance"] - a["deviance"])
    assert a["bic"] == pytest.approx(-2 * a["log_likelihood"] + 7 * np.log(a["n"]))
    assert 0 < a["lr_p_value"] < 1e-15


def test_infer_matches_the_cli():
    edges = pdlab.infer(REF / "snap_cascades.csv", nodes=REF / "snap_cascades_node_names.csv",
                        edges=5)
    assert list(edges.columns) == list(pdlab.schemas()["edges"]["column"])
    assert len(edges) == 5
    # As `pdlab infer` writes it (tests/cli_test.sh: "23,0,3049.81035498").
    first = edges.iloc[0]
    assert (first["origin_node"], first["destination_node"]) == ("23", "0")
    assert first["improvement"] == pytest.approx(3049.81035498, abs=1e-7)
    assert edges["p_value"].isna().all()  # the snap flavour has none


def test_infer_reads_the_events_and_warns_of_ties():
    events = pd.read_csv(DC / "events.csv")
    two = pd.concat([events, events.assign(policy_id="dc_doc")])
    with pytest.warns(pdlab.PdlabWarning) as record:
        edges = pdlab.infer(two)
    text = " ".join(str(w.message) for w in record)
    assert "share their time with another event of the same cascade" in text
    assert "2 cascades over 90 nodes" in text
    assert edges.attrs["cascades"] == 2 and len(edges) > 0
    # The rows in another order: the same network.
    with pytest.warns(pdlab.PdlabWarning):
        again = pdlab.infer(two.iloc[::-1])
    pd.testing.assert_frame_equal(edges, again)


def test_eha_trend_is_the_period():
    rs = simulated_riskset(units=400, periods=6)
    by_trend = pdlab.eha(rs, "event ~ x + trend").set_index("term")
    by_period = pdlab.eha(rs, "event ~ x + period").set_index("term")
    assert by_trend.loc["trend", "estimate"] == by_period.loc["period", "estimate"]


US = SRC / "tests" / "bad_inputs"  # us_own.*: a US-like hierarchy of its own, SPID-like events


def test_riskset_adoptions_before_the_start_are_refused_then_left_truncated():
    events = pd.read_csv(US / "us_own_events.csv")
    with pytest.raises(pdlab.DataError) as e:
        pdlab.riskset(US / "us_own.toml", events=events, level="state", policy="aboldeapen")
    assert "field 'time' = '1957'" in str(e.value)
    assert "Fix: give before_start='adopted'" in str(e.value)
    assert "never-adopters" in str(e.value)
    with pytest.warns(pdlab.PdlabNote, match="2 units adopted policy 'aboldeapen' before the "
                      r"calendar's start \(1960\) and are not at risk"):
        rs = pdlab.riskset(US / "us_own.toml", events=events, level="state",
                           policy="aboldeapen", before_start="adopted")
    assert rs.attrs["before_start"] == 2
    assert set(rs["unit_id"]) == {"AZ", "OR"} and len(rs) == 16
    # Dropping the events instead (the old error's advice) makes AL and AK never-adopters.
    kept = events[~((events.policy_id == "aboldeapen") & (events.time < 1960))]
    assert len(pdlab.riskset(US / "us_own.toml", events=kept, level="state",
                             policy="aboldeapen")) == 36


def test_riskset_policy_filter_comes_before_the_date_check_and_typos_are_suggested():
    rs = pdlab.riskset(US / "us_own.toml", events=US / "us_own_events.csv", level="state",
                       policy="threestrikes")
    assert len(rs) == 31 and rs.attrs["events"] == 2
    with pytest.raises(pdlab.UsageError, match="Fix: did you mean 'threestrikes'"):
        pdlab.riskset(US / "us_own.toml", events=US / "us_own_events.csv", policy="three_strikes")


def test_riskset_edges_directed():
    args = dict(events=US / "us_own_events.csv", level="state", policy="threestrikes",
                edges=US / "us_own_directed_edges.csv", set={"adoption.sibling_weight": 0})
    with pytest.raises(pdlab.DataError, match=r"Fix: give edges_directed=True if each row is one"):
        pdlab.riskset(US / "us_own.toml", **args)
    rs = pdlab.riskset(US / "us_own.toml", edges_directed=True, **args).set_index(
        ["unit_id", "period"])
    assert rs.loc[("AK", 4), "horizontal"] == 1.0  # AL -> AK: AL adopted in 1963
    assert rs.loc[("AZ", 7), "horizontal"] == 0.0  # AZ -> OR only: OR's 1966 exposes no one


def test_riskset_start_first_adoption():
    rs = pdlab.riskset(US / "us_own.toml", events=US / "us_own_events.csv", level="state",
                       policy="threestrikes", start="first_adoption")
    assert rs["period"].min() == 3 and len(rs) == 19
    assert (rs["duration"] == rs["period"] - 2).all()
    with pytest.raises(pdlab.UsageError, match="field 'start' = 'first'"):
        pdlab.riskset(US / "us_own.toml", events=US / "us_own_events.csv", start="first")
