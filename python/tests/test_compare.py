"""pdlab.compare: variants on common random numbers, one column per varied key."""
import pdlab
from conftest import TOY


def test_one_column_per_key():
    df = pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.0],
                                  "adoption.gamma_vertical": [1.0, 0.5]}, replicates=3)
    cols = list(df.columns)
    at = cols.index("variant")
    assert cols[at + 1:at + 3] == ["promotion.pilot_success", "adoption.gamma_vertical"]
    assert cols[at + 3:] == [c for c in pdlab.schemas()["compare"]["column"]][at + 1:]
    assert df["variant"].nunique() == 4
    combos = set(zip(df["promotion.pilot_success"], df["adoption.gamma_vertical"]))
    assert combos == {(0.8, 1.0), (0.8, 0.5), (0.0, 1.0), (0.0, 0.5)}
    assert df.attrs["replicates"] == 3 and (df["replicates"] == 3).all()
    # The baseline's differences are zero; failed pilots lower township adoption.
    base = df[df["variant"] == df.attrs["baseline"]]
    assert (base["diff"] == 0).all()
    town = df.query("outcome == 'adopted' and statistic == 'share_at_end' and "
                    "level == 'township' and `promotion.pilot_success` == 0.0")
    assert len(town) == 2 and (town["diff"] < 0).all()


def test_one_value_is_nothing_to_compare():
    try:
        pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8]}, replicates=2)
    except pdlab.UsageError as e:
        assert e.kind == "usage" and "nothing to compare" in str(e)
    else:
        raise AssertionError("a single variant was accepted")


def test_idle_variant_warns():
    # A key of a module that is off changes nothing: said as a PdlabWarning, as the CLI says it.
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdlab.compare(TOY, vary={"stability.budget": [1000, 90000]}, replicates=2)
    texts = [str(w.message) for w in caught if issubclass(w.category, pdlab.PdlabWarning)]
    assert any("gave exactly the outcomes" in t for t in texts)
    assert any("no effect while the stability module is off" in t for t in texts)


def test_interaction_contrast_rows(tmp_path):
    # A 2 x 2 design's interaction: per outcome, the fourth variant's difference less the second's
    # and the third's; its row names the contrast and leaves the varied keys empty.
    import math
    out = tmp_path / "cmp.sqlite"
    df = pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.0],
                                  "adoption.gamma_vertical": [1.0, 0.5]}, replicates=3,
                       contrasts={"interaction": "v4 - v3 - v2 + v1"}, out=out)
    assert df.attrs["contrasts"] == {"interaction": "v4 - v3 - v2 + v1"}
    rows = df[df["variant"] == "interaction"]
    assert len(df) % 5 == 0 and len(rows) == len(df) // 5  # 4 variants and the contrast
    assert rows["promotion.pilot_success"].isna().all() and rows["mean"].isna().all()
    key = ["outcome", "statistic", "policy_id", "level"]
    labels = list(dict.fromkeys(df.loc[df["variant"] != "interaction", "variant"]))
    for _, same in df.groupby(key, sort=False):
        r = same[same["variant"] == "interaction"].iloc[0]
        diff = same.set_index("variant")["diff"]
        if (same["replicates"] == 3).all():
            expected = diff[labels[3]] - diff[labels[2]] - diff[labels[1]]
            assert math.isclose(r["diff"], expected, rel_tol=1e-9, abs_tol=1e-12)
    study = pdlab.read_study(out)
    # read back with the varied keys' columns, as compare() returned it
    assert list(study.compare.columns) == list(df.columns)
    assert study.compare["promotion.pilot_success"].equals(df["promotion.pilot_success"])
    assert set(study.compare_contrasts["weight"]) == {1.0, -1.0}
    assert len(study.compare_replicates) == 4 * 3 * (len(df) // 5)


def test_bad_contrast_is_refused_before_running():
    try:
        pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.0]}, replicates=2,
                      contrasts={"d": "v3-v1"})
    except pdlab.UsageError as e:
        assert "v3: there are 2 variants" in str(e) and "contrasts['d'] = 'v3-v1'" in str(e)
        assert "--contrast" not in str(e), str(e)
    else:
        raise AssertionError("a contrast of a third variant of two was accepted")


def test_variants_table_and_numbering():
    # A table of variants (not all combinations), as --variants: an empty cell keeps the
    # scenario's value; attrs number the variants as contrasts name them.
    import pandas as pd
    v = pd.DataFrame({"variant": ["high", "low"], "promotion.pilot_success": [0.8, 0.2],
                      "adoption.gamma_vertical": [None, 0.5]})
    df = pdlab.compare(TOY, variants=v, replicates=2, contrasts={"d": "v2-v1"})
    assert df.attrs["variant_numbers"] == {"v1": "high", "v2": "low"}
    low = df[df["variant"] == "low"]
    assert (low["promotion.pilot_success"] == 0.2).all() and (low["adoption.gamma_vertical"] == 0.5).all()
    assert df.loc[df["variant"] == "high", "adoption.gamma_vertical"].isna().all()
    # The contrast v2-v1 is the second variant's paired difference.
    d = df[df["variant"] == "d"]["diff"].to_numpy()
    assert (abs(d - low["diff"].to_numpy()) <= 1e-12).all()
    for bad, message in [({}, "give either vary= or variants="),
                         ({"vary": {"promotion.pilot_success": [0.8, 0.5]},
                           "contrasts": {"a=b": "v2-v1"}}, "contains '='")]:
        try:
            pdlab.compare(TOY, replicates=2, **bad)
        except pdlab.UsageError as e:
            assert message in str(e), str(e)
        else:
            raise AssertionError(f"{bad} was accepted")


DRAWN = {"uncertainty.keys": ["adoption.alpha.township", "adoption.gamma_vertical"],
         "uncertainty.estimate": [-7.0, 1.0],
         "uncertainty.covariance": [[0.25, 0.0], [0.0, 0.25]],
         "uncertainty.draw": True}


def test_spread_of_paired_differences(tmp_path):
    # diff_q025/diff_q975 are the 2.5% and 97.5% quantiles of the per-replicate paired
    # differences kept in compare_replicates (numpy's default, type 7); under draws a PdlabNote
    # says the spread, not the t interval, carries the estimation uncertainty.
    import warnings
    import numpy as np
    out = tmp_path / "drawn.sqlite"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.2]}, set=DRAWN,
                           replicates=10, out=out)
    notes = [str(w.message) for w in caught if issubclass(w.category, pdlab.PdlabNote)]
    assert any("is what carries the parameters' estimation uncertainty" in t for t in notes), notes
    assert df.attrs["parameters_drawn"] == "every variant"
    assert "the t intervals do not carry that uncertainty" in df.attrs["intervals"]
    reps = pdlab.read_study(out).compare_replicates
    key = ["outcome", "statistic", "policy_id", "level"]
    wide = reps.pivot_table(index=key + ["replicate"], columns="variant", values="value",
                            dropna=False)
    base, other = df.attrs["baseline"], [v for v in df["variant"].unique()
                                         if v != df.attrs["baseline"]][0]
    checked = 0
    for row in df[df["variant"] == other].itertuples():
        d = (wide.loc[(row.outcome, row.statistic, row.policy_id, row.level)][other] -
             wide.loc[(row.outcome, row.statistic, row.policy_id, row.level)][base]).dropna()
        if len(d) < 2:
            continue
        assert np.isclose(row.diff_q025, np.quantile(d, 0.025), rtol=1e-12, atol=1e-12)
        assert np.isclose(row.diff_q975, np.quantile(d, 0.975), rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked > 0
    # Without draws: no note, and the attrs say none.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = pdlab.compare(TOY, vary={"promotion.pilot_success": [0.8, 0.2]}, replicates=3)
    assert plain.attrs["parameters_drawn"] == "none"
    assert not [w for w in caught if issubclass(w.category, pdlab.PdlabNote)
                and "estimation uncertainty" in str(w.message)]


def test_variant_holding_a_drawn_key_warns():
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdlab.compare(TOY, vary={"adoption.gamma_vertical": [1.0004, 0]}, set=DRAWN,
                      replicates=2)
    texts = [str(w.message) for w in caught if issubclass(w.category, pdlab.PdlabWarning)]
    assert any("held fixed at 1.0004" in t and "looks like a rounding" in t for t in texts), texts
    assert any("held fixed at 0 in this variant" in t for t in texts), texts
