#!/usr/bin/env bash
# Fuzzes every parser budgetgate has (fuzz/fuzz_targets/): result files through detection and
# forced per format, budgets files, user templates, baseline files, GitHub's blob answers.
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
mapfile -t stores < <(find tests/data fixtures -type f \( -name '*.bin' -o -name 'baseline*.json' -o -name '*store*' \) 2>/dev/null | head -n 50)
seed baseline_file "${stores[@]}"
if [ -z "$(ls fuzz/corpus/baseline_file 2>/dev/null)" ] && [ -x target/debug/budgetgate ]; then
  target/debug/budgetgate check --budgets budgets.example.yaml --save-baseline fuzz/corpus/baseline_file/made.bin \
    --branch main --commit seed >/dev/null 2>&1 || true
fi
mkdir -p fuzz/corpus/github_answers
printf '{"sha":"0123456789abcdef0123456789abcdef01234567","size":5,"encoding":"base64","content":"aGVsbG8=\\n"}' \
  > fuzz/corpus/github_answers/blob.json

cargo +nightly fuzz build
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
