"""pdlab.units(): looking units up by code or name, and the study's units table."""
import pytest

import pdlab
from conftest import TOY


def test_china_by_english_name_and_code():
    df = pdlab.units("Taicang")
    assert list(df.unit_id) == ["320585"]
    row = df.iloc[0]
    assert row["name"] == "太仓市" and row["level"] == "county"
    assert row["type"] == "county_city"  # 市 at county level (docs/model.md 7.13)
    assert row["within"] == "江苏省 / 苏州市" and row["within_ids"] == "32/3205"
    sub = pdlab.units("320585", limit=3)
    assert list(sub.unit_id)[0] == "320585" and len(sub) == 3
    assert all(u.startswith("320585") for u in sub.unit_id)


def test_padded_code_finds_its_unit_with_a_warning():
    # Most Chinese datasets pad codes with zeros: 130100 is the prefecture 1301.
    with pytest.warns(pdlab.PdlabWarning, match="read as a code padded with zeros, it is "
                      "prefecture 1301"):
        df = pdlab.units("130100", limit=2)
    assert list(df.unit_id)[0] == "1301"
    with pytest.warns(pdlab.PdlabWarning, match="ambiguous"):
        both = pdlab.units("441900000000")
    assert list(both.unit_id) == ["4419", "441900"]


def test_scenario_hierarchy_and_errors():
    df = pdlab.units("County 1.1", scenario=TOY)
    assert "P1C1" in set(df.unit_id)
    assert df["type"].isna().all()  # the toy hierarchy has no type column
    assert pdlab.units("no such unit", scenario=TOY).empty
    with pytest.raises(pdlab.UsageError, match="empty query"):
        pdlab.units("")


def test_study_has_units_table(toy_study):
    units = toy_study.units
    assert {"unit_id", "parent_id", "level", "type", "name", "name_en"} <= set(units.columns)
    assert len(units) == 49  # toy_pilot writes adoption rows down to townships
