"""`amlb energy` and the impact statement on a run directory written by the real store."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from metering_helpers import start_busy

from amlb.cli import main
from amlb.metering import EnergyAccountant, EnergyConfig, describe_host, energy_table, impact_statement
from amlb.metering.statement import _num
from amlb.record import JobRecord, Status
from amlb.store import ResultStore


def _run_dir(tmp: Path, cfg: EnergyConfig, frameworks: dict[str, float]) -> Path:
    """A run directory: one job per framework burning the given CPU seconds, metered for real."""
    host = describe_host(cfg)
    acc = EnergyAccountant(cfg, host)
    store = ResultStore(tmp)
    for fold, (framework, seconds) in enumerate(frameworks.items()):
        window = acc.job_started()
        usage = start_busy(seconds).finish(phases={"fit": {"wall_s": 0.05, "cpu_s": 0.05}})
        record = JobRecord(id="builtin/iris", task="iris", framework=framework, constraint="test", fold=fold,
                           status=Status.OK, wall_seconds=usage.wall_s, cpu_user_s=usage.cpu_user_s,
                           cpu_sys_s=usage.cpu_sys_s, peak_rss_mb=usage.peak_rss_mb)
        record.energy = acc.job_finished(window, usage)
        store.save(record)
    store.set_meta("host", host.to_dict())
    store.export_csv(tmp / "results.csv")
    store.close()
    return tmp


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run_dir(tmp_path_factory.mktemp("run"), EnergyConfig(country="DEU", pue=1.2),
                    {"constantpredictor": 0.05, "random_forest": 0.4})


def test_table_per_framework(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["energy", str(run_dir)]) == 0
    out = capsys.readouterr().out
    results = pd.read_csv(run_dir / "results.csv")
    table = energy_table(results)
    assert list(table["framework"]) == ["constantpredictor", "random_forest"]
    assert table["energy_kwh"].sum() == pytest.approx(results["energy_kwh"].sum())
    rf = table.set_index("framework").loc["random_forest"]
    assert rf.energy_kwh > table.set_index("framework").loc["constantpredictor"].energy_kwh
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["framework", "jobs", "Wh", "Wh/job"]  # a small run: Wh, not kWh
    rf_cells = next(line for line in lines if line.startswith("random_forest")).split()
    assert float(rf_cells[2]) == pytest.approx(rf.energy_kwh * 1000, rel=0.01)
    assert any(line.startswith("random_forest") and "model:tdp+model:ram" in line for line in lines) \
        or describe_host().rapl["available"]
    assert any(line.startswith("TOTAL") for line in lines)
    assert "Germany" in out and "PUE: 1.2" in out


def test_markdown_statement(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["energy", str(run_dir / "results.csv"), "--statement", "md"]) == 0
    out = capsys.readouterr().out
    results = pd.read_csv(run_dir / "results.csv")
    assert out.startswith("## Carbon impact statement")
    assert "380.95 g CO2e/kWh" in out and "Germany" in out and "PUE of 1.2" in out
    assert "| **Whole benchmark** | 2 |" in out
    assert "Hardware: " in out and "Power model: CPU" in out
    grams = results["co2e_kg"].sum() * 1000
    assert f"**{_num(grams)} g CO2e**" in out
    assert "driving a passenger car" in out


def test_latex_statement(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["energy", str(run_dir), "--statement", "latex"]) == 0
    out = capsys.readouterr().out
    assert r"\begin{tabular}" in out and r"\bottomrule" in out
    assert r"random\_forest" in out and "random_forest" not in out.replace(r"random\_forest", "")
    assert r"CO\textsubscript{2}e" in out and r"\textbf{" in out


def test_statement_without_country_says_co2_is_not_computed(tmp_path: Path) -> None:
    run = _run_dir(tmp_path, EnergyConfig(), {"constantpredictor": 0.02})
    text = impact_statement(pd.read_csv(run / "results.csv"), None)
    assert "Carbon intensity: not set (unset: no energy.country configured)" in text
    assert "Hardware: not recorded." in text and "kg CO2e" not in text.split("|")[0]


def test_several_runs_combine(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    other = _run_dir(tmp_path / "other", EnergyConfig(country="FRA"), {"random_forest": 0.05})
    assert main(["energy", str(run_dir), str(other)]) == 0
    out = capsys.readouterr().out
    rf_line = next(line for line in out.splitlines() if line.startswith("random_forest"))
    assert rf_line.split()[1] == "2"
    assert "France" in out and "Germany" in out


def test_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["energy", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["energy", str(tmp_path / "empty")]) == 2
    pd.DataFrame({"framework": ["a"], "result": [0.5]}).to_csv(tmp_path / "results.csv", index=False)
    assert main(["energy", str(tmp_path / "results.csv")]) == 2
    assert "no energy columns" in capsys.readouterr().err


def test_co2_is_computed_afterwards_for_results_metered_without_a_location(tmp_path, capsys):
    run = _run_dir(tmp_path, EnergyConfig(), {"constantpredictor": 0.05, "random_forest": 0.3})
    stored = pd.read_csv(run / "results.csv")
    assert stored["co2e_kg"].isna().all() and stored["energy_kwh"].notna().all()
    assert main(["energy", str(run), "--carbon-intensity", "400", "--pue", "1.5"]) == 0
    out = capsys.readouterr().out
    total_g = stored["energy_kwh"].sum() * 1.5 * 400  # kWh x PUE x g/kWh
    assert f"{total_g:.3g}" in out.split("TOTAL")[1]
    assert "400 g CO2e/kWh" in out and "PUE: 1.5" in out
    assert main(["energy", str(run), "--pue", "1.5"]) == 2  # a PUE alone changes nothing: refused
    assert main(["energy", str(run), "--country", "XXX"]) == 2
    assert pd.read_csv(run / "results.csv").equals(stored)  # the results file stays as measured
