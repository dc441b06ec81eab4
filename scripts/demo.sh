#!/usr/bin/env bash
# The main job, end to end: run the real daemon (`ghharvest run`) and show what it made.
#
#   bash scripts/demo.sh BUILD_DIR        (what `make demo` / `bash run.sh demo` call)
#
# With GITHUB_TOKEN set and GitHub reachable, the daemon harvests the writers of
# examples/ghharvest.toml for one cycle. Otherwise it runs against ghharvest-fakehub, a
# synthetic GitHub on 127.0.0.1 with a generated world that keeps changing, for a few
# cycles. Either way it is stopped with SIGTERM (as systemd does) and the reports, a few
# sqlite3 queries on the views and the influence.jsonl lines are shown. Output: ./demo-out/
set -euo pipefail

build=${1:-build}
bin="$build/ghharvest"
hub="$build/tests/ghharvest-fakehub"
out="$PWD/demo-out"
src=$(cd "$(dirname "$0")/.." && pwd)

[[ -x $bin ]] || { echo "demo: $bin not built (run: make build)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Waits until the daemon's log has at least $1 "scored" lines, or $2 seconds pass.
wait_for_scores() {
  local want=$1 limit=$2 start=$SECONDS
  while ((SECONDS - start < limit)); do
    local n
    n=$(grep -c 'scored elapsed_ms' "$out/daemon.log" 2>/dev/null || true)
    ((${n:-0} >= want)) && return 0
    kill -0 "$daemon" 2>/dev/null || return 1
    sleep 1
  done
  return 0
}

mode=fakehub
if [[ -n ${GITHUB_TOKEN:-} ]] && command -v curl >/dev/null &&
  curl -fsS -m 5 -o /dev/null -H "Authorization: Bearer $GITHUB_TOKEN" \
    https://api.github.com/rate_limit 2>/dev/null; then
  mode=github
fi

if [[ $mode == github ]]; then
  say "GitHub is reachable with your token: harvesting the writers of examples/ghharvest.toml"
  # The example's paths point at /var/lib; keep the demo's data here, and poll quickly.
  sed -e "s|^database = .*|database = \"$out/ghharvest.db\"|" \
    -e "s|^dir = .*|dir = \"$out/reports\"|" \
    -e 's|^poll_interval = .*|poll_interval = "2m"|' \
    -e 's|^score_interval = .*|score_interval = "2m"|' \
    "$src/examples/ghharvest.toml" >"$out/ghharvest.toml"
  cycle_scores=2
  limit=100
else
  [[ -x $hub ]] || { echo "demo: $hub not built (run: make build)" >&2; exit 1; }
  say "No GitHub token (or GitHub unreachable): starting the synthetic GitHub on 127.0.0.1"
  "$hub" --seed 7 --writers 4 --projects 6 --items 3000 \
    --port-file "$out/fakehub.port" --config-out "$out/ghharvest.toml" \
    --truth-file "$out/truth.tsv" --advance-every 12 --advance-items 60 \
    --poll-interval 8s --score-interval 20s --blog-feeds 2>"$out/fakehub.log" &
  pids+=($!)
  for _ in $(seq 1 100); do [[ -s $out/fakehub.port ]] && break; sleep 0.1; done
  [[ -s $out/fakehub.port ]] || { cat "$out/fakehub.log" >&2; exit 1; }
  cat "$out/fakehub.log"
  export GITHUB_TOKEN=fakehub-demo-token  # the synthetic GitHub accepts any token
  cycle_scores=4
  limit=75
fi

# Prometheus metrics on any free loopback port (the daemon logs which one).
printf '\n[metrics]\nlisten = "127.0.0.1:0"\n' >>"$out/ghharvest.toml"

say "The config ($out/ghharvest.toml)"
grep -v '^#' "$out/ghharvest.toml" | sed -n '1,30p'

say "Running the daemon: ghharvest run -c demo-out/ghharvest.toml (log: demo-out/daemon.log)"
t0=$SECONDS
"$bin" run -c "$out/ghharvest.toml" --log-level info 2>"$out/daemon.log" &
daemon=$!
pids+=("$daemon")
wait_for_scores "$cycle_scores" "$limit" || true
grep -E 'ghharvest started|harvest finished|run [0-9]+:|failed|error' "$out/daemon.log" | sed -n '1,25p'

metrics_at=$(grep -o 'metrics endpoint listening address=[^ ]*' "$out/daemon.log" | head -1 | cut -d= -f2)
if [[ -n $metrics_at ]]; then
  say "Prometheus metrics of the running daemon (http://$metrics_at/metrics, a few series)"
  python3 - "$metrics_at" <<'PY' || true
import sys, urllib.request
text = urllib.request.urlopen(f"http://{sys.argv[1]}/metrics", timeout=5).read().decode()
keep = ("ghharvest_github_requests_total", "ghharvest_github_not_modified_total",
        "ghharvest_github_points_spent_total", "ghharvest_github_rate_limit_remaining",
        "ghharvest_harvest_items_total", "ghharvest_scoring_runs_total",
        "ghharvest_database_size_bytes")
shown = [l for l in text.splitlines() if l.startswith(keep)]
print("\n".join(shown[:14]))
print(f"({len([l for l in text.splitlines() if l and not l.startswith('#')])} samples in all)")
PY
fi

say "SIGTERM, as systemctl stop sends it"
stop_t=$SECONDS
kill -TERM "$daemon" 2>/dev/null || true
rc=0
wait "$daemon" || rc=$?
echo "ghharvest exited with status $rc after $((SECONDS - stop_t)) s (ran $((SECONDS - t0)) s)"
tail -2 "$out/daemon.log"
cleanup

reports="$out/reports"
say "Report files ($reports)"
(cd "$reports" && find . -type f | sort | sed -n '1,40p')
total=$(find "$reports" -type f | wc -l)
echo "... $total files"

first_total=$(find "$reports/total_influences" -type f 2>/dev/null | sort | sed -n 1p)
if [[ -n $first_total ]]; then
  say "${first_total#"$out"/}"
  cat "$first_total"
fi
first_contrib=$(find "$reports/contributions" -type f 2>/dev/null | sort | sed -n 1p)
if [[ -n $first_contrib ]]; then
  say "${first_contrib#"$out"/}"
  cat "$first_contrib"
fi
first_blog=$(find "$reports/blogs" -type f 2>/dev/null | sort | sed -n 1p)
if [[ -n $first_blog ]]; then
  say "${first_blog#"$out"/} (first lines)"
  head -15 "$first_blog"
fi

db="$out/ghharvest.db"
if command -v sqlite3 >/dev/null && [[ -f $db ]]; then
  say "sqlite3 demo-out/ghharvest.db: the counts (writer_project_counts)"
  sqlite3 -header -column "$db" \
    "SELECT writer, project, commits, issues_opened AS issues, prs_opened AS prs,
            prs_merged AS merged, issue_comments + review_comments AS comments, reviews,
            reactions_received AS reactions, feedback_received AS feedback
       FROM writer_project_counts ORDER BY writer, project LIMIT 12;"
  say "Blog posts from the writers' feeds, counted per project (writer_blog_posts)"
  sqlite3 -header -column "$db" \
    "SELECT writer, project, COUNT(*) AS posts, MAX(substr(published_at, 1, 10)) AS latest
       FROM writer_blog_posts WHERE project IS NOT NULL GROUP BY writer, project
      ORDER BY writer, project LIMIT 12;"
  sqlite3 -header -column "$db" \
    "SELECT writer, project, blog_posts, round(\"T\", 3) AS T, round(\"O\", 3) AS O
       FROM writer_project_scores WHERE blog_posts > 0 ORDER BY writer, project LIMIT 12;"
  say "The influence of each writer (writer_influence, latest run)"
  sqlite3 -header -column "$db" \
    "SELECT run, writer, round(O, 3) AS opportunity, round(total, 3) AS total_influence,
            best_project FROM writer_influence ORDER BY total DESC;"
  say "Scoring runs so far: how many writers each run rewrote (score_runs, score_writer_spans)"
  sqlite3 -header -column "$db" \
    "SELECT r.run, r.finished_at,
            (SELECT COUNT(*) FROM score_writer_spans s WHERE s.from_run = r.run) AS writers_rewritten
       FROM score_runs r ORDER BY r.run;"
  say "One writer's O over the runs (writer_influence_history)"
  sqlite3 -header -column "$db" \
    "SELECT run, writer, round(O, 3) AS opportunity, best_project FROM writer_influence_history
      WHERE writer = (SELECT writer FROM writer_influence ORDER BY O DESC LIMIT 1) ORDER BY run;"
fi

if [[ $mode == fakehub && -f $out/truth.tsv ]]; then
  say "The synthetic world's own truth (first rows of demo-out/truth.tsv)"
  head -5 "$out/truth.tsv"
fi

jsonl="$reports/influence.jsonl"
if [[ -f $jsonl ]]; then
  say "influence.jsonl ($(wc -l <"$jsonl") lines; a line per writer whose numbers changed)"
  if command -v jq >/dev/null; then
    tail -n 4 "$jsonl" | jq -c '{ts, run, writer, opportunity, total_influence, best_project}'
  else
    tail -n 4 "$jsonl"
  fi
fi

site="$reports/site/index.html"
if [[ -f $site ]]; then
  say "The writer's view: open $site in a browser"
  echo "$site"
  echo "... $(find "$reports/site" -name '*.html' | wc -l) pages," \
    "$(du -sk "$reports/site" | cut -f1) KiB ($(wc -c <"$site") bytes index.html)"
fi

say "Done in $SECONDS s. Everything is in ./demo-out/ (reports/, ghharvest.db, daemon.log)"
exit "$rc"
