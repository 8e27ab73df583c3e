#!/usr/bin/env bash
# Publish a built results site to GitHub Pages (the gh-pages branch of a remote).
#
#   scripts/publish_site.sh SITE_DIR [REMOTE] [BRANCH]
#
#   amlb site results/run1 ~/amlb-reference/amlb-2021q3/*.csv -o site/
#   scripts/publish_site.sh site/                 # -> origin gh-pages
#
# The site is committed alone, as a single commit with no history, to BRANCH (default gh-pages)
# of REMOTE (default origin, the URL of this checkout's remote of that name, or any git URL),
# and force-pushed. Your working tree, index and branches are not touched: the commit is made in
# a temporary repository. In the repository's settings, choose Pages > "Deploy from a branch" >
# gh-pages / (root). Set DRY_RUN=1 to build the commit without pushing.
set -euo pipefail

site=${1:?usage: publish_site.sh SITE_DIR [REMOTE] [BRANCH]}
remote=${2:-origin}
branch=${3:-gh-pages}

if [[ ! -f "$site/index.html" || ! -f "$site/.amlb-site" ]]; then
  echo "publish_site: $site is not a site built by 'amlb site' (no index.html / .amlb-site)" >&2
  exit 2
fi
if git remote get-url "$remote" >/dev/null 2>&1; then
  url=$(git remote get-url "$remote")
else
  url=$remote  # a URL or path given directly
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$site"/. "$work"/
rm -f "$work/.amlb-site"
touch "$work/.nojekyll"  # serve assets/ and files starting with _ as they are
cd "$work"
git init -q
git checkout -q -b "$branch"
git add -A
git -c user.name="${GIT_AUTHOR_NAME:-amlb site}" -c user.email="${GIT_AUTHOR_EMAIL:-amlb-site@users.noreply.github.com}" \
  commit -q -m "Publish AutoML benchmark results site ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "publish_site: $(git ls-files | wc -l) files, $(du -sh . | cut -f1) -> $url ($branch)"
if [[ "${DRY_RUN:-0}" == "1" ]]; then
  echo "publish_site: DRY_RUN=1, not pushing"
  exit 0
fi
git push -q -f "$url" "$branch:$branch"
echo "publish_site: pushed; GitHub Pages serves it from branch $branch"
