"""Regenerate the psychotree reference trees in tests/analysis/data/ (needs R + psychotree).

    apt-get install -y r-cran-psychotree     # Debian; R's own BLAS/LAPACK (reference)
    python tests/analysis/make_bttree_reference.py [--shared /work/shared]

Writes, for each case, the inputs (small synthetic cases only: the AMLB inputs are
rebuilt from shared/ by the tests) and psychotree's tree as JSON (see
psychotree_reference.R). Cases:

* ``small_ties``: synthetic, task x fold subjects, ties, a categorical variable.
* ``small_task``: synthetic, task subjects, no ties, missing scores and meta-features.
* ``amlb2021q3_*``: AMLB 2021Q3 classification, 1h8c_gp3, task x fold subjects,
  failures imputed with the constant predictor, frameworks other than it; meta-features
  from dataset_metadata.csv (``all``: every quality, 10 tasks lack one and are dropped;
  ``nomaxnominal``: without MaxNominalAttDistinctValues, all 71 tasks), for
  maxdepth=3/minsize=50 and for psychotree's defaults. The ``*_default_openblas``
  references come from R linked to OpenBLAS instead of R's reference BLAS (Debian:
  ``apt-get install libopenblas0-pthread``, then keep the reference BLAS as the system
  default and run
  ``--r-ld-library-path /usr/lib/x86_64-linux-gnu/openblas-pthread:/usr/lib/R/lib:/usr/lib/x86_64-linux-gnu --tag openblas``,
  and delete the ``*_d3_m50_openblas.json`` files, identical in all but the timing):
  they show that psychotree's default tree depends on floating-point rounding.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
R_SCRIPT = HERE / "psychotree_reference.R"
sys.path.insert(0, str(HERE.parents[1]))

#: (case, maxdepth, minsize) of the AMLB references
AMLB_CASES = [("all", "3", "50"), ("all", "Inf", "NULL"), ("nomaxnominal", "3", "50"), ("nomaxnominal", "Inf", "NULL")]


def small_ties() -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 tasks x 5 folds, 5 frameworks; rounded scores (ties); effects by domain and size."""
    rng = np.random.default_rng(20240611)
    tasks = [f"task{i:02d}" for i in range(40)]
    domain = rng.choice(["bio", "finance", "text", "vision"], size=len(tasks))
    n_rows = np.round(10 ** rng.uniform(2.5, 6, size=len(tasks)))
    n_classes = rng.integers(2, 6, size=len(tasks)).astype(float)
    missing = np.round(rng.uniform(0, 0.3, size=len(tasks)), 3)
    missing[[3, 17]] = np.nan
    frameworks = ["AutoGluon", "H2O", "RF", "flaml", "lightgbm"]
    rows = []
    for t, task in enumerate(tasks):
        big = np.log10(n_rows[t]) > 4.5
        effect = {"AutoGluon": 0.03, "H2O": 0.02 + 0.03 * big, "RF": 0.0, "flaml": 0.015 + 0.04 * (domain[t] == "text"),
                  "lightgbm": 0.01 + 0.03 * (domain[t] in ("finance", "vision"))}
        for fold in range(5):
            for fw in frameworks:
                score = 0.8 + effect[fw] + rng.normal(0, 0.02)
                rows.append((task, fold, fw, round(score, 2)))
    scores = pd.DataFrame(rows, columns=["task", "fold", "framework", "score"])
    meta = pd.DataFrame({"task": tasks, "n_rows": n_rows, "domain": domain, "n_classes": n_classes, "missing_ratio": missing})
    return scores, meta


def small_task() -> tuple[pd.DataFrame, pd.DataFrame]:
    """80 tasks (no folds), 6 frameworks, continuous scores, some scores missing."""
    rng = np.random.default_rng(7)
    tasks = [f"d{i:03d}" for i in range(80)]
    kind = rng.choice(["image", "tabular", "text"], size=len(tasks))
    n_features = np.round(10 ** rng.uniform(0.5, 3.5, size=len(tasks)))
    imbalance = rng.uniform(0, 1, size=len(tasks))
    frameworks = ["alpha", "Beta", "gamma", "delta", "epsilon", "Zeta"]
    rows = []
    for t, task in enumerate(tasks):
        wide = n_features[t] > 300
        for f, fw in enumerate(frameworks):
            if (t * 7 + f) % 23 == 0:
                continue  # a missing score
            score = f * 0.01 + (0.05 if (fw == "gamma" and wide) else 0) + (0.04 if (fw == "Zeta" and kind[t] == "text") else 0)
            rows.append((task, fw, score + rng.normal(0, 0.03)))
    scores = pd.DataFrame(rows, columns=["task", "framework", "score"])
    meta = pd.DataFrame({"task": tasks, "kind": kind, "n_features": n_features, "imbalance": imbalance})
    meta.loc[5, "imbalance"] = np.nan
    return scores, meta


def amlb_inputs(shared: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The AMLB 2021Q3 scores and the two meta-feature tables."""
    from amlb.analysis import join_meta, load_meta, load_results, normalized_scores

    data = shared / "data" / "amlb-2021q3"
    df = load_results([data / "classification.csv"])
    df = df[df["constraint"] == "1h8c_gp3"]
    scores = normalized_scores(df, method="none", impute="constantpredictor")
    scores = scores[scores["framework"] != "constantpredictor"][["task", "fold", "framework", "score"]]
    # spelled as in the results (numerai28.6 is numerai28_6 there), so R joins them too
    meta = join_meta(sorted(scores["task"].unique()), load_meta(data / "dataset_metadata.csv"))
    return {"all": (scores, meta), "nomaxnominal": (scores, meta.drop(columns=["MaxNominalAttDistinctValues"]))}


def run_r(scores_csv: Path, meta_csv: Path, maxdepth: str, minsize: str, out: Path, env: dict | None = None) -> None:
    subprocess.run(["Rscript", str(R_SCRIPT), str(scores_csv), str(meta_csv), maxdepth, minsize, "0.05", str(out)],
                   check=True, env=env)
    print("wrote", out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("AMLB_SHARED", HERE.parents[2] / "shared")))
    parser.add_argument("--r-ld-library-path", default=None,
                        help="run R with this R_LD_LIBRARY_PATH (e.g. another BLAS) and tag the outputs")
    parser.add_argument("--tag", default="", help="suffix of the output names (with --r-ld-library-path)")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    env = None
    if args.r_ld_library_path:
        env = dict(os.environ, R_LD_LIBRARY_PATH=args.r_ld_library_path, OPENBLAS_NUM_THREADS="1")
    suffix = f"_{args.tag}" if args.tag else ""
    if not args.tag:
        for name, make in (("small_ties", small_ties), ("small_task", small_task)):
            scores, meta = make()
            scores.to_csv(DATA / f"{name}_scores.csv", index=False)
            meta.to_csv(DATA / f"{name}_meta.csv", index=False)
            for maxdepth, minsize in (("Inf", "NULL"), ("2", "NULL")):
                run_r(DATA / f"{name}_scores.csv", DATA / f"{name}_meta.csv", maxdepth, minsize,
                      DATA / f"psychotree_{name}_d{maxdepth.lower()}.json")
    if not (args.shared / "data" / "amlb-2021q3").is_dir():
        print("shared data not found: AMLB references not regenerated", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for case, (scores, meta) in amlb_inputs(args.shared).items():
            scores.to_csv(Path(tmp) / "scores.csv", index=False)
            meta.to_csv(Path(tmp) / f"meta_{case}.csv", index=False)
        for case, maxdepth, minsize in AMLB_CASES:
            label = "d3_m50" if maxdepth == "3" else "default"
            run_r(Path(tmp) / "scores.csv", Path(tmp) / f"meta_{case}.csv", maxdepth, minsize,
                  DATA / f"psychotree_amlb2021q3_{case}_{label}{suffix}.json", env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
