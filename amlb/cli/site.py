"""`amlb site`: build the static results website."""
from __future__ import annotations

import argparse

HELP = "build the static results website from results files and run directories"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="RESULTS",
                        help="results.csv files (AMLB's or ours), run directories, and meta-feature CSVs "
                             "(e.g. AMLB's dataset_metadata.csv)")
    parser.add_argument("-o", "--output", default="site", help="folder to write the site to (default: site)")
    parser.add_argument("--title", default="AutoML benchmark results", help="site title")
    parser.add_argument("--tree-depth", type=int, default=3, help="maximum depth of the Bradley-Terry trees (default: 3)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def execute(args: argparse.Namespace) -> int:
    from amlb.errors import UserError
    from amlb.site import build_site

    if args.tree_depth < 1:
        raise UserError(f"--tree-depth must be at least 1, got {args.tree_depth}", "pass e.g. --tree-depth 3")
    report = build_site(args.inputs, args.output, title=args.title, tree_depth=args.tree_depth)
    if not args.quiet:
        for note in report.notes:
            print(f"note: {note}")
        index = (report.out_dir / "index.html").resolve()
        print(f"wrote {len(report.pages)} pages ({report.overviews} overviews, {report.rows:,} result rows) "
              f"to {report.out_dir} in {report.seconds:.1f} s")
        print(f"open {index.as_uri()}  or serve it: python -m http.server -d {report.out_dir}")
    return 0
