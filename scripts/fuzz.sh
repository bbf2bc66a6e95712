#!/usr/bin/env bash
# Fuzzes every parser budgetgate has (fuzz/fuzz_targets/): result files through detection and
# forced per format, budgets files, user templates, baseline files, a data branch as GitHub's
# Git data API answers it, and each of GitHub's answers we read.
#
#   scripts/fuzz.sh SECONDS [TARGET...]
#
# Each target runs SECONDS (libFuzzer's -max_total_time) from a corpus seeded with the
# repository's fixtures; a crash leaves its input in fuzz/artifacts/<target>/ and the script
# exits 1. Prints the executions per target. Installs nightly Rust and cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS must be a positive integer" >&2; exit 2; }

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

targets=("$@")
((${#targets[@]})) || mapfile -t targets < <(cargo +nightly fuzz list)

# Seeds: the real files each target reads.
seed() {
  local target=$1; shift
  local dir=fuzz/corpus/$target
  mkdir -p "$dir"
  local file
  for file in "$@"; do
    [ -f "$file" ] && [ "$(stat -c %s "$file")" -lt 1000000 ] && cp "$file" "$dir/$(echo "$file" | tr '/' '_')"
  done
  return 0
}
mapfile -t results < <(find fixtures -type f \( -name '*.json' -o -name '*.txt' -o -name '*.xml' -o -name '*.out' -o -name '*.csv' \) -size -200k | sort | head -n 400)
seed ingest_detect "${results[@]}"
# ingest_forced: the first byte picks the format; the fixture follows it.
mkdir -p fuzz/corpus/ingest_forced
i=0
for file in "${results[@]}"; do
  { printf "\\$(printf '%03o' $((i % 256)))"; cat "$file"; } > "fuzz/corpus/ingest_forced/seed$i"
  i=$((i + 1))
done
mapfile -t yamls < <(ls budgets.example.yaml budgets.yaml tests/data/*.yaml 2>/dev/null)
seed budgets "${yamls[@]}"
seed template src/report/templates/comment.md.j2 examples/*.j2 tests/data/*.j2
# baseline_file: stores made by the binary from the fixtures (three runs of main, one of a
# feature branch, a version-1 file to migrate), so the fuzzer starts from real containers.
mkdir -p fuzz/corpus/baseline_file
[ -x target/debug/budgetgate ] || cargo build --quiet
made=$(mktemp -d)
for i in 1 2 3; do
  target/debug/budgetgate check --budgets budgets.example.yaml --save-baseline "$made/store.bin" \
    --branch main --commit "seed$i" >/dev/null 2>&1 || true
  cp "$made/store.bin" "fuzz/corpus/baseline_file/made-main-$i.bin" 2>/dev/null || true
done
target/debug/budgetgate check --budgets budgets.example.yaml --results 'fixtures/criterion/baseline/**/new/estimates.json' \
  --save-baseline "$made/store.bin" --branch feature/x --commit seed4 >/dev/null 2>&1 || true
cp "$made/store.bin" fuzz/corpus/baseline_file/made-two-branches.bin 2>/dev/null || true
rm -rf "$made"
target/debug/budgetgate parse fixtures/hyperfine/two_commands.json 2>/dev/null | python3 -c '
import json, sys
run = json.load(sys.stdin)
run.update(commit="seed0", branch="main")
print(json.dumps({"version": 1, "branches": {"main": [run]}}))' > fuzz/corpus/baseline_file/made-v1.json || true
mapfile -t stores < <(find tests/data fixtures -type f \( -name '*.bin' -o -name 'baseline*.json' \) 2>/dev/null | head -n 50)
seed baseline_file "${stores[@]}"
[ -n "$(ls fuzz/corpus/baseline_file/made-*.bin 2>/dev/null)" ] || { echo "fuzz.sh: could not make seed baselines" >&2; exit 1; }
# baseline_branch: each baseline file's files as the Git data API's answers for a data branch.
mkdir -p fuzz/corpus/baseline_branch
for store in fuzz/corpus/baseline_file/made-*.bin; do
  python3 - "$store" "fuzz/corpus/baseline_branch/$(basename "$store").json" <<'PY'
import base64, hashlib, json, sys
data = open(sys.argv[1], "rb").read()
if not data.startswith(b"budgetgate-store/2\n"):
    sys.exit(0)
_, listing, body = data.split(b"\n", 2)
tree, blobs, at = [], {}, 0
for path, length in json.loads(listing):
    content = body[at:at + length]
    at += length
    sha = hashlib.sha1(content).hexdigest()
    tree.append({"path": path, "mode": "100644", "type": "blob", "sha": sha, "size": length})
    blobs[sha] = {"sha": sha, "size": length, "encoding": "base64", "content": base64.encodebytes(content).decode()}
answers = {"ref": {"ref": "refs/heads/budgetgate-data", "object": {"sha": "c" * 40, "type": "commit"}},
           "commit": {"sha": "c" * 40, "tree": {"sha": "t" * 40}}, "tree": {"sha": "t" * 40, "tree": tree, "truncated": False},
           "blobs": blobs, "compare": {"merge_base_commit": {"sha": "m" * 40, "commit": {"committer": {"date": "2026-01-01T00:00:00Z"}}}}}
open(sys.argv[2], "w").write(json.dumps(answers))
PY
done
# github_answers: the first byte picks the answer (see the target), the rest is its body.
mkdir -p fuzz/corpus/github_answers
answer() { { printf "\\$(printf '%03o' "$1")"; printf '%s' "$2"; } > "fuzz/corpus/github_answers/seed$1"; }
answer 0 '{"id":1,"body":"<!-- budgetgate -->\nok","html_url":"https://github.com/o/r/pull/1#issuecomment-1"}'
answer 1 '[{"id":1,"body":"a","html_url":"u"},{"id":2,"body":"b","html_url":"v"}]'
answer 2 '{"id":4,"status":"completed","conclusion":"failure"}'
answer 3 '{"ref":"refs/heads/budgetgate-data","object":{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","type":"commit"}}'
answer 4 '{"sha":"7638417db6d59f3c431d3e1f261cc637155684cd","tree":{"sha":"691272480426f78a0138979dd3ce63b77f706feb"},"parents":[]}'
answer 5 '{"sha":"6912","tree":[{"path":"budgetgate.json","mode":"100644","type":"blob","sha":"3a0f","size":52},{"path":"branches","type":"tree","sha":"99aa"}],"truncated":false}'
answer 6 '{"sha":"0123456789abcdef0123456789abcdef01234567","size":5,"encoding":"base64","content":"aGVsbG8=\n"}'
answer 7 '{"sha":"3a0f4b1e","url":"https://api.github.com/repos/o/r/git/blobs/3a0f4b1e"}'
answer 8 '{"merge_base_commit":{"sha":"6dcb09b5","commit":{"committer":{"date":"2011-04-14T16:00:49Z"}}}}'
answer 9 '{"message":"Validation Failed","errors":[{"resource":"Issue","code":"custom","message":"body is too long"}]}'
answer 10 'link: <https://api.github.com/repositories/1/issues/1/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/1/comments?page=4>; rel="last"'
answer 11 'x-ratelimit-remaining: 0
x-ratelimit-reset: 1700000060
retry-after: 30'

cargo +nightly fuzz build
# A template may run 200 million instructions before its fuel runs out: right for a user, but
# then a looping input takes seconds and the template target makes a hundred executions a
# minute. The fuel limit is the same code path at any value.
export BUDGETGATE_MAX_TEMPLATE_FUEL=2000000
failed=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/artifacts/$target"
  log=$(mktemp)
  if cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo "?")
    echo "fuzz: $target: $runs executions in ${seconds} s, no crash"
  else
    failed=1
    echo "fuzz: $target: CRASH; the input is in fuzz/artifacts/$target/:"
    ls "fuzz/artifacts/$target/"
    tail -n 40 "$log"
  fi
  rm -f "$log"
done
exit "$failed"
