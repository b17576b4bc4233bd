"""pdlab::Error arrives as pdlab.Error: one subclass per kind, the library's message, and the
CLI's exit code."""
import os
import subprocess

import pytest

import pdlab
from conftest import SRC, TOY


def test_hierarchy():
    for cls in (pdlab.UsageError, pdlab.DataError, pdlab.NoInputError, pdlab.CantCreateError,
                pdlab.IoError, pdlab.ConfigError, pdlab.InternalError):
        assert issubclass(cls, pdlab.Error) and issubclass(cls, Exception)


def test_config_error_names_key_and_fix():
    with pytest.raises(pdlab.ConfigError) as e:
        pdlab.run(TOY, set={"vertical.attenuatio": 0.3}, replicates=1)
    assert e.value.kind == "config" and e.value.exit_code == 78
    # The value came from set=, not from the file: the message names it so.
    assert "set['vertical.attenuatio']=0.3" in str(e.value)
    assert "did you mean 'attenuation'?" in str(e.value)


def test_message_is_the_clis():
    binary = os.environ.get("PDLAB_BINARY")
    if not binary:
        pytest.skip("PDLAB_BINARY is not set (ctest sets it)")
    with pytest.raises(pdlab.Error) as e:
        pdlab.run(TOY, set={"vertical.attenuatio": 0.3}, replicates=1)
    cli = subprocess.run([binary, "validate", str(TOY), "--set", "vertical.attenuatio=0.3"],
                         capture_output=True, text=True)
    assert cli.returncode == e.value.exit_code
    # The same text, but for the spelling of the override (set= here, --set there).
    assert str(e.value).replace("set['vertical.attenuatio']=", "--set vertical.attenuatio=") \
        in cli.stderr



def test_missing_input(tmp_path):
    with pytest.raises(pdlab.NoInputError) as e:
        pdlab.run(tmp_path / "absent.toml")
    assert e.value.kind == "no_input" and "absent.toml" in str(e.value)


def test_bad_formula_and_bad_data(tmp_path):
    with pytest.raises(pdlab.UsageError, match="no '~'"):
        pdlab.eha(SRC / "tests" / "reference" / "synthetic.csv", "y x1")
    bad = tmp_path / "bad.csv"
    bad.write_text("y,x\n0,1\n2,3\n1,0\n")
    with pytest.raises(pdlab.DataError) as e:
        pdlab.eha(bad, "y ~ x")
    assert e.value.kind == "data" and "bad.csv" in str(e.value)


def test_not_a_study(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(pdlab.Error) as e:
        pdlab.read_study(junk)
    assert e.value.kind in ("data", "io") and "junk.sqlite" in str(e.value)


def test_python_spellings(tmp_path):
    """A DataFrame is named by its argument, not the temporary CSV it became; CLI options and
    --set by this module's keywords; a path stays a path."""
    frame = pdlab.riskset(SRC / "examples" / "dual_carbon" / "dual_carbon.toml",
                          SRC / "examples" / "dual_carbon" / "events.csv", level="prefecture")
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.eha(frame, "event ~ horizontl")
    message = str(e.value)
    assert message.startswith("the DataFrame data= (line 1 as CSV): field 'term' = 'horizontl'")
    assert "pdlab-eha-" not in message and e.value.exit_code == 64
    with pytest.raises(pdlab.UsageError, match="field 'cluster=' = 'nope'"):
        pdlab.eha(frame, "event ~ horizontal", cluster="nope")
    with pytest.raises(pdlab.ConfigError, match=r"^replicates=0: field 'run.replicates'"):
        pdlab.run(TOY, replicates=0)
    with pytest.raises(pdlab.ConfigError,
                       match=r"^vary\['promotion.pilot_success'\] value 1.3: field "
                             r"'promotion.pilot_success' = '1.3': out of range"):
        pdlab.compare(TOY, {"promotion.pilot_success": [0.8, 1.3]}, replicates=2)
    # A vary entry refused as a whole is named as the dict's entry, and the CLI's options as
    # this module's arguments.
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.compare(TOY, {"run.seed": [1, 2]}, replicates=2)
    message = str(e.value)
    assert message.startswith("vary['run.seed'] value 1: run.seed is not a design parameter")
    assert "--" not in message and "(seed=, replicates=, threads=)" in message
    with pytest.raises(pdlab.ConfigError, match=r"^set\['event.0.policy'\]=modl: field "):
        pdlab.run(TOY, set={"event.0.policy": "modl"}, replicates=2)
    with pytest.raises(pdlab.UsageError, match="field 'cluster=' = '': names no column"):
        pdlab.eha(frame, "event ~ horizontal", cluster="")
    # A path stays a path, even one that looks like this module's temporary files.
    folder = tmp_path / "pdlab-mine"
    folder.mkdir()
    path = folder / "rs.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(pdlab.UsageError) as e:
        pdlab.eha(path, "event ~ horizontl")
    assert str(e.value).startswith(f"{path}:1: field 'term'")
