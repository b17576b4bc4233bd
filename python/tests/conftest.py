"""Shared fixtures: the checkout (PDLAB_SOURCE_DIR, set by ctest) and one small study."""
import os
import pathlib

import pytest

import pdlab

SRC = pathlib.Path(os.environ.get("PDLAB_SOURCE_DIR",
                                  pathlib.Path(__file__).resolve().parents[2]))
TOY = SRC / "scenarios" / "examples" / "toy_pilot.toml"


@pytest.fixture(scope="session")
def toy_study():
    return pdlab.run(TOY, replicates=3)


def final_share(study, level="township"):
    """Mean share of `level` adopted in the last period."""
    st = study.summary_time
    row = st[(st.metric == "adopted") & (st.level == level) & (st.period == st.period.max())]
    assert len(row) == 1
    return float(row["mean"].iloc[0])
