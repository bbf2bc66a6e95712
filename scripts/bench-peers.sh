#!/usr/bin/env bash
# Side by side (issue 19): budgetgate against github-action-benchmark (GAB) on the same input,
# N benchmarks in GAB's customSmallerIsBetter JSON, each tool against its own H-run history:
#   - GAB's run H+1 (the PR run) in external-data-json mode, fail-on-alert and summary-always,
#     against the data file that H earlier GAB runs wrote;
#   - `budgetgate check` against a baseline file store that H `check --save-baseline` runs wrote;
#   - the whole budgetgate CI step: the same plus --report-md, --report-json and --save-baseline
#     (into a fresh copy of the store before every run, so every run sees the same H runs);
#   - an orjson parse of the PR input file alone (a whole python3 process), the floor;
# plus a typical gate (N=200, H=50, the whole step only). Runs are interleaved (GAB, budgetgate,
# step, orjson, GAB, ...), K rounds; each is timed as a whole process (wall clock, and peak RSS
# from /usr/bin/time). Prints a Markdown table (min–max over the K runs), the ratios against the
# issue's goals (≥100x faster than GAB at 20k, ≤2x an orjson parse) and how time grows per ×10 N.
#
#   scripts/bench-peers.sh [--runs K] [--history H] [--gab-max N] [--keep-tmp] [N...]
#
#   N...        benchmark counts (default 1000 5000 20000)
#   --runs K    interleaved rounds (default 3)
#   --history H stored runs each tool compares against (default 50)
#   --gab-max N GAB is skipped above this N (default 20000): its run is quadratic in N
#   --keep-tmp  keep the temp dir (inputs, histories, logs) and print where it is
#
# Environment:
#   BUDGETGATE   the binary (default target/release/budgetgate, built with cargo if missing)
#   GAB_DIR      a checkout of github-action-benchmark at v1.22.0 (commit c38cce98, see
#                GAB_COMMIT below) with its TypeScript built (dist/src/index.js). This script
#                neither fetches nor builds it; without one the GAB rows are skipped.
#                Default: ${XDG_CACHE_HOME:-$HOME/.cache}/budgetgate-bench-peers/gab-c38cce98
#   GAB_TIMEOUT  seconds one GAB run may take (default 900)
#
# How GAB is run: `node dist/src/index.js`, as the Actions runner runs a node action, with the
# inputs as INPUT_* variables (every default of its action.yml included), a fake push event
# (head_commit) for the history runs and a pull_request event for the PR run, and
# GITHUB_STEP_SUMMARY pointing at a file. With external-data-json-path, auto-push false,
# comment-always and comment-on-alert false and the commit taken from the event, GAB makes no
# git call and no network request; the history runs are made without a network (unshare -n)
# where that is possible, to show it. Every tool gets the same clean environment (env -i).
set -euo pipefail
cd "$(dirname "$0")/.."

GAB_COMMIT=c38cce98215cf75e178ecd5a0c1a1ab215e93006 # v1.22.0
runs=3 history=50 gab_max=20000 keep_tmp=0 sizes=()
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --history) history=$2; shift 2 ;;
    --gab-max) gab_max=$2; shift 2 ;;
    --keep-tmp) keep_tmp=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) echo "bench-peers: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
((${#sizes[@]})) || sizes=(1000 5000 20000)
for v in "$runs" "$history" "$gab_max" "${sizes[@]}"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "bench-peers: '$v' is not a positive integer" >&2; exit 2; }
done
typical_n=200 typical_h=50

for tool in python3 node /usr/bin/time timeout; do
  command -v "$tool" >/dev/null || { echo "bench-peers: needs $tool" >&2; exit 2; }
done
if ! python3 -c 'import orjson' 2>/dev/null; then
  echo "bench-peers: installing orjson for the parse floor" >&2
  python3 -m pip install --quiet orjson
fi
# The interpreter itself, not a version manager's shim (a shell script that would add its own
# start-up to the floor).
python=$(python3 -c 'import sys; print(sys.executable)')
node=$(command -v node)

BUDGETGATE=${BUDGETGATE:-target/release/budgetgate}
if [[ ! -x $BUDGETGATE ]]; then
  [[ $BUDGETGATE == target/release/budgetgate ]] || { echo "bench-peers: BUDGETGATE=$BUDGETGATE is not an executable" >&2; exit 2; }
  cargo build --release
fi
BUDGETGATE=$(realpath "$BUDGETGATE")

GAB_DIR=${GAB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/budgetgate-bench-peers/gab-c38cce98}
GAB_TIMEOUT=${GAB_TIMEOUT:-900}
gab=""
if [[ -f $GAB_DIR/dist/src/index.js ]]; then
  gab=$(realpath "$GAB_DIR/dist/src/index.js")
  head=$(git -C "$GAB_DIR" rev-parse HEAD 2>/dev/null || echo unknown)
  [[ $head == "$GAB_COMMIT" ]] ||
    echo "bench-peers: WARNING: $GAB_DIR is at $head, not v1.22.0 ($GAB_COMMIT)" >&2
else
  echo "bench-peers: no built github-action-benchmark at GAB_DIR=$GAB_DIR (dist/src/index.js);" \
    "GAB rows skipped. Point GAB_DIR at a checkout of commit $GAB_COMMIT (v1.22.0) whose" \
    "TypeScript is built." >&2
fi
netless=()
if unshare -n true 2>/dev/null; then netless=(unshare -n); fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-peers.XXXXXX")
if ((keep_tmp)); then
  trap 'echo "bench-peers: kept $tmp" >&2' EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi
clean_env=(env -i "PATH=$PATH" "HOME=$tmp/home" "TMPDIR=$tmp" LANG=C.UTF-8)
mkdir -p "$tmp/home"
# One rule for both tools: GAB's alert-threshold 200% (a value twice the previous) is a 100%
# regression. No absolute budgets: GAB has none.
cat >"$tmp/budgets.yaml" <<'YAML'
version: 1
defaults:
  regression: 100%
YAML

# Inputs: H history runs and the PR run per N. Deterministic: each benchmark has a base value
# (log-uniform, 50 ns .. 5 ms) and every run adds 2% Gaussian noise, so no tool should alert.
gen_inputs() { # N H DIR
  python3 - "$@" <<'PY'
import json, math, random, sys
n, h, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(n)
bases = [math.exp(rnd.uniform(math.log(50), math.log(5e6))) for _ in range(n)]
for r in range(h + 1):
    noise = random.Random(n * 1_000_003 + r)
    rows = [{"name": f"suite{i % 97:02d}/bench_{i:06d}", "unit": "ns",
             "value": round(b * (1 + noise.gauss(0, 0.02)), 1)} for i, b in enumerate(bases)]
    with open(f"{out}/{'pr' if r == h else f'run{r:04d}'}.json", "w") as f:
        json.dump(rows, f)
PY
}

sha() { printf 'be%06x%032d' "$1" 0; }

# A push event with head_commit (history run R), or a pull_request event (the PR run).
gab_event() { # R FILE [pr]
  local id; id=$(sha "$1")
  if [[ ${3:-} == pr ]]; then
    cat >"$2" <<JSON
{"number": 19, "pull_request": {"number": 19, "title": "PR run", "html_url": "https://github.com/o/r/pull/19",
 "head": {"sha": "$id", "ref": "pr", "user": {"login": "dev"}, "repo": {"updated_at": "2026-01-01T00:00:00Z"}}},
 "repository": {"html_url": "https://github.com/o/r", "private": false}}
JSON
  else
    cat >"$2" <<JSON
{"head_commit": {"id": "$id", "message": "run $1", "url": "https://github.com/o/r/commit/$id",
 "timestamp": "2026-01-01T00:00:00Z", "author": {"name": "dev", "email": "dev@example.com", "username": "dev"},
 "committer": {"name": "dev", "email": "dev@example.com", "username": "dev"}},
 "repository": {"html_url": "https://github.com/o/r", "private": false}}
JSON
  fi
}

# GAB as the runner starts it: every input of its action.yml (defaults included) as INPUT_*.
gab_cmd() { # DIR INPUT EVENT DATA EVENT_NAME
  local d=$1
  gab_run=("${clean_env[@]}" GITHUB_ACTIONS=true CI=true "GITHUB_EVENT_NAME=$5" "GITHUB_EVENT_PATH=$3"
    GITHUB_REPOSITORY=o/r GITHUB_REPOSITORY_OWNER=o GITHUB_WORKFLOW=bench GITHUB_JOB=bench
    GITHUB_SERVER_URL=https://github.com GITHUB_REF=refs/heads/main "GITHUB_WORKSPACE=$d"
    "GITHUB_STEP_SUMMARY=$d/summary.md" "GITHUB_OUTPUT=$d/output" "GITHUB_ENV=$d/env" "RUNNER_TEMP=$d"
    INPUT_NAME=Benchmark INPUT_TOOL=customSmallerIsBetter "INPUT_OUTPUT-FILE-PATH=$2"
    INPUT_GH-PAGES-BRANCH=gh-pages INPUT_GH-REPOSITORY= INPUT_BENCHMARK-DATA-DIR-PATH=dev/bench
    INPUT_GITHUB-TOKEN= INPUT_REF= INPUT_AUTO-PUSH=false INPUT_SKIP-FETCH-GH-PAGES=false
    INPUT_COMMENT-ALWAYS=false INPUT_SUMMARY-ALWAYS=true INPUT_SAVE-DATA-FILE=true
    INPUT_COMMENT-ON-ALERT=false INPUT_ALERT-THRESHOLD=200% INPUT_FAIL-ON-ALERT=true
    INPUT_FAIL-THRESHOLD= INPUT_ALERT-COMMENT-CC-USERS= "INPUT_EXTERNAL-DATA-JSON-PATH=$4"
    INPUT_MAX-ITEMS-IN-CHART= INPUT_GO-FORCE-PACKAGE-SUFFIX=false
    timeout "$GAB_TIMEOUT" "$node" "$gab")
}

prepare() { # N H: inputs and both histories in $tmp/n$N
  local n=$1 h=$2 d=$tmp/n$1 r
  mkdir -p "$d/gab"
  gen_inputs "$n" "$h" "$d"
  gab_event "$h" "$d/gab/event-pr.json" pr
  local t0=$EPOCHREALTIME
  if [[ -n $gab && $n -le $gab_max && $n != "$typical_n" ]]; then
    : >"$d/gab/summary.md"
    for ((r = 0; r < h; r++)); do
      gab_event "$r" "$d/gab/event.json"
      gab_cmd "$d/gab" "$d/run$(printf %04d "$r").json" "$d/gab/event.json" "$d/gab/history.json" push
      if ! "${netless[@]}" "${gab_run[@]}" >"$d/gab/history.log" 2>&1; then
        echo "bench-peers: GAB history run $r at N=$n failed:" >&2; tail -5 "$d/gab/history.log" >&2; exit 1
      fi
    done
    echo "  GAB history, N=$n: $h runs in $(elapsed "$t0") s${netless:+ (no network)}, data file $(mb "$d/gab/history.json") MB" >&2
  fi
  t0=$EPOCHREALTIME
  for ((r = 0; r < h; r++)); do
    "${clean_env[@]}" "$BUDGETGATE" check --budgets "$tmp/budgets.yaml" \
      --results "customSmallerIsBetter:$d/run$(printf %04d "$r").json" \
      --save-baseline "$d/store.json" --branch main --commit "$(sha "$r")" --keep "$h" \
      >"$d/bg-history.log" 2>&1 || {
      echo "bench-peers: budgetgate history run $r at N=$n failed:" >&2; tail -5 "$d/bg-history.log" >&2; exit 1
    }
  done
  echo "  budgetgate history, N=$n: $h runs in $(elapsed "$t0") s, store $(mb "$d/store.json") MB, PR input $(mb "$d/pr.json") MB" >&2
}

elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$EPOCHREALTIME"; }
mb() { python3 -c "import os, sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f}')" "$1"; }

# One timed run: a row "tool N round exit wall_s rss_kb" in results.tsv. Wall time is taken
# here (microseconds; /usr/bin/time's %e has 10 ms steps, too coarse for a small gate); peak RSS
# is /usr/bin/time's %M (the largest process it waited for, so a node under `timeout` counts).
# Every run starts with nothing left to write back (`sync`): GAB's run writes its 124 MB data
# file at 20,000 and leaves it to the kernel, and budgetgate's step, which flushes the baseline
# it saves, then waited behind that writeback (its flush took 150 ms instead of 24 ms).
measure() { # TOOL N ROUND CMD...
  local tool=$1 n=$2 k=$3 t0 t1 rc
  shift 3
  sync
  t0=$EPOCHREALTIME
  set +e
  /usr/bin/time -f %M -o "$tmp/rss" "$@" >"$tmp/out.log" 2>&1
  rc=$?
  set -e
  t1=$EPOCHREALTIME
  if ((rc != 0)); then
    echo "  $tool N=$n round $k: exit $rc" >&2; tail -3 "$tmp/out.log" | cut -c1-300 >&2
  fi
  echo "$tool $n $k $rc $t0 $t1 $(tail -n1 "$tmp/rss")" >>"$tmp/results.tsv"
}

round() { # N H ROUND
  local n=$1 h=$2 k=$3 d=$tmp/n$1
  local check=("${clean_env[@]}" "$BUDGETGATE" check --budgets "$tmp/budgets.yaml"
    --results "customSmallerIsBetter:$d/pr.json" --baseline "$d/store.json" --baseline-branch main)
  if [[ $n != "$typical_n" ]]; then
    if [[ -n $gab && $n -le $gab_max ]]; then
      cp "$d/gab/history.json" "$d/gab/data.json"
      : >"$d/gab/summary.md"
      gab_cmd "$d/gab" "$d/pr.json" "$d/gab/event-pr.json" "$d/gab/data.json" pull_request
      measure gab "$n" "$k" "${gab_run[@]}"
    fi
    measure check "$n" "$k" "${check[@]}"
  fi
  cp "$d/store.json" "$d/store-copy.json"
  rm -f "$d/x.md" "$d/x.json"
  measure step "$n" "$k" "${check[@]}" --report-md "$d/x.md" --report-json "$d/x.json" \
    --save-baseline "$d/store-copy.json" --branch pr --commit "$(sha "$h")" --keep "$h"
  if [[ $n != "$typical_n" ]]; then
    # shellcheck disable=SC2016 # python code, not shell
    measure orjson "$n" "$k" "${clean_env[@]}" "$python" -c 'import orjson, sys; orjson.loads(open(sys.argv[1], "rb").read())' "$d/pr.json"
  fi
}

for n in "${sizes[@]}"; do [[ $n != "$typical_n" ]] || { echo "bench-peers: N=$typical_n is the typical-gate row; pick another N" >&2; exit 2; }; done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-peers: budgetgate $("$BUDGETGATE" --version 2>/dev/null | head -n1), node $(node --version), $(python3 -c 'import orjson; print("orjson", orjson.__version__)'), $(nproc) cores; preparing inputs and histories (H=$history)" >&2
for n in "${sizes[@]}"; do prepare "$n" "$history"; done
prepare "$typical_n" "$typical_h"
echo "bench-peers: measuring, $runs interleaved rounds" >&2
: >"$tmp/results.tsv"
for ((k = 1; k <= runs; k++)); do
  for n in "${sizes[@]}"; do round "$n" "$history" "$k"; done
  round "$typical_n" "$typical_h" "$k"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$tmp/results.tsv" "$history" "$typical_n" "$typical_h" "$load_before" "$load_after" "$gab_max" "${sizes[@]}" <<'PY'
import math, sys
path, h, typ_n, typ_h, load0, load1, gab_max, *sizes = sys.argv[1:]
h, typ_n, gab_max = int(h), int(typ_n), int(gab_max)
sizes = sorted({int(s) for s in sizes})
runs = {}
for line in open(path):
    tool, n, k, rc, t0, t1, rss = line.split()
    runs.setdefault((tool, int(n)), []).append((float(t1) - float(t0), int(rss) / 1024, int(rc)))

names = {
    "gab": f"github-action-benchmark, run {h + 1} vs its {h}-entry history",
    "check": "budgetgate check --baseline",
    "step": "budgetgate whole CI step (+ --report-md --report-json --save-baseline)",
    "orjson": "python3 orjson.loads(PR file), whole process",
}

def span(vals, fmt):
    lo, hi = min(vals), max(vals)
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}–{fmt(hi)}"

def secs(s):
    return f"{s:.3f}" if s < 10 else f"{s:.1f}"

def best(tool, n):
    r = runs.get((tool, n))
    return min(t for t, _, _ in r) if r else None

print(f"\nbench-peers: H={h} stored runs, {max(len(v) for v in runs.values())} interleaved runs each; "
      f"load average {load0} before, {load1} after\n")
print("| N | what | wall s (min–max) | peak RSS MB (min–max) | exit |")
print("|-:|-|-:|-:|-:|")
rows = [(n, t) for n in sizes for t in ("gab", "check", "step", "orjson")] + [(typ_n, "step")]
for n, tool in rows:
    r = runs.get((tool, n))
    label = names[tool] if n != typ_n else f"typical gate (H={typ_h}): {names[tool]}"
    if not r:
        if tool == "gab":
            why = f"skipped (N > --gab-max {gab_max})" if n > gab_max else "skipped (no GAB_DIR build)"
            print(f"| {n:,} | {label} | {why} | | |")
        continue
    codes = ",".join(sorted({str(c) for _, _, c in r}))
    print(f"| {n:,} | {label} | {span([t for t, _, _ in r], secs)} | {span([m for _, m, _ in r], lambda m: f'{m:.0f}')} | {codes} |")

print("\nRatios (min wall time over the runs):\n")
print("| N | GAB / budgetgate step (goal ≥ 100x at 20,000) | budgetgate step / orjson parse (goal ≤ 2x) |")
print("|-:|-:|-:|")
for n in sizes:
    g, s, o = best("gab", n), best("step", n), best("orjson", n)
    ga = f"{g / s:.0f}x" if g and s else "n/a"
    so = f"{s / o:.2f}x" if s and o else "n/a"
    if n == 20000:
        ga += "" if ga == "n/a" else (" ✓" if g / s >= 100 else " ✗")
        so += "" if so == "n/a" else (" ✓" if s / o <= 2 else " ✗")
    print(f"| {n:,} | {ga} | {so} |")

if len(sizes) > 1:
    print("\nGrowth: time factor per ×10 N, (t2/t1)^(1/log10(N2/N1)) (10 = linear, 100 = quadratic):\n")
    print("| N range | " + " | ".join(("GAB", "check", "step", "orjson")) + " |")
    print("|-|" + "-:|" * 4)
    for a, b in zip(sizes, sizes[1:]):
        cells = []
        for tool in ("gab", "check", "step", "orjson"):
            t1, t2 = best(tool, a), best(tool, b)
            cells.append(f"{(t2 / t1) ** (1 / math.log10(b / a)):.1f}" if t1 and t2 else "n/a")
        print(f"| {a:,} → {b:,} | " + " | ".join(cells) + " |")
bad = sorted({f"{t} N={n}" for (t, n), r in runs.items() for _, _, c in r if c != 0})
if bad:
    print("\nNon-zero exits (see the log lines above): " + ", ".join(bad))
PY
