"""Time amlb's Bradley-Terry tree against R's psychotree::bttree on AMLB 2021Q3.

Input: AMLB 2021Q3 classification results, constraint 1h8c_gp3, subjects task x fold,
failed jobs imputed with the constant predictor's result, frameworks other than the
constant predictor; meta-features from dataset_metadata.csv. Runs maxdepth=3 /
minsize=50 and psychotree's defaults. R is timed (time inside bttree(), and the
whole Rscript run) when Rscript with psychotree is installed, and the trees compared.

    python scripts/bench_bttree.py [--shared /work/shared] [--repeat 5] [--no-r]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
R_SCRIPT = ROOT / "tests" / "analysis" / "psychotree_reference.R"
CONFIGS = [(3, 50), (math.inf, None)]


def build_input(shared: Path, drop_meta: list[str]):
    from amlb.analysis import join_meta, load_meta, load_results, normalized_scores

    data = shared / "data" / "amlb-2021q3"
    df = load_results([data / "classification.csv"])
    df = df[df["constraint"] == "1h8c_gp3"]
    scores = normalized_scores(df, method="none", impute="constantpredictor")
    scores = scores[scores["framework"] != "constantpredictor"][["task", "fold", "framework", "score"]]
    meta = join_meta(sorted(scores["task"].unique()), load_meta(data / "dataset_metadata.csv"))
    return scores, meta.drop(columns=drop_meta)


def time_amlb(scores, meta, maxdepth, minsize, repeat: int):
    from amlb.analysis import bttree

    tree = bttree(scores, meta, maxdepth=maxdepth, minsize=minsize)  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        tree = bttree(scores, meta, maxdepth=maxdepth, minsize=minsize)
        times.append(time.perf_counter() - start)
    return tree, times


def run_r(tmp: Path, maxdepth, minsize) -> tuple[dict, float]:
    out = tmp / "ref.json"
    start = time.perf_counter()
    subprocess.run(["Rscript", str(R_SCRIPT), str(tmp / "scores.csv"), str(tmp / "meta.csv"),
                    "Inf" if math.isinf(maxdepth) else str(maxdepth), "NULL" if minsize is None else str(minsize),
                    "0.05", str(out)], check=True, capture_output=True)
    return json.loads(out.read_text()), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("AMLB_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-r", action="store_true", help="do not run R")
    parser.add_argument("--drop-meta", nargs="*", default=[], help="meta-feature columns to leave out")
    args = parser.parse_args()
    if not (args.shared / "data" / "amlb-2021q3").is_dir():
        print(f"AMLB 2021Q3 data not found under {args.shared}", file=sys.stderr)
        return 2
    scores, meta = build_input(args.shared, args.drop_meta)
    use_r = not args.no_r and shutil.which("Rscript") is not None
    print(f"input: {len(scores)} scores, {scores['framework'].nunique()} frameworks, "
          f"{meta.shape[1] - 1} meta-features; python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        scores.to_csv(tmp / "scores.csv", index=False)
        meta.to_csv(tmp / "meta.csv", index=False)
        for maxdepth, minsize in CONFIGS:
            tree, times = time_amlb(scores, meta, maxdepth, minsize, args.repeat)
            label = f"maxdepth={maxdepth:g} minsize={minsize}"
            med = statistics.median(times)
            print(f"{label}: amlb {med:.3f} s median of {len(times)} (min {min(times):.3f}), "
                  f"{len(tree.nodes)} nodes, {tree.to_json()['n_subjects']} subjects")
            if not use_r:
                continue
            try:
                ref, wall = run_r(tmp, maxdepth, minsize)
            except subprocess.CalledProcessError as e:
                print(f"  R failed: {e.stderr.decode()[-300:]}")
                continue
            sys.path.insert(0, str(ROOT / "tests" / "analysis"))
            from treecompare import compare_trees

            mine = tree.to_json()
            cmp = compare_trees(mine, ref)
            same = "identical" if not cmp["problems"] and not cmp["noise"] and len(ref["nodes"]) == len(mine["nodes"]) \
                else f"{cmp['compared']} nodes identical, {len(cmp['problems'])} differ, " \
                     f"psychotree nodes on rounding noise (not comparable): {cmp['noise']}"
            print(f"  psychotree {ref['seconds']:.2f} s in bttree() ({wall:.2f} s Rscript wall), "
                  f"{len(ref['nodes'])} nodes; speed-up {ref['seconds'] / med:.0f}x (wall {wall / med:.0f}x); tree: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
