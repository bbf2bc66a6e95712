#!/usr/bin/env bash
# Keeps action.yml's prebuilt image in step with a release version.
#
#   scripts/set-action-image.sh VERSION           rewrite `image: docker://ghcr.io/<owner>/budgetgate:<tag>`
#                                                  to the tag VERSION (the owner is kept as it is)
#   scripts/set-action-image.sh --check VERSION    exit 1, saying what differs, unless the tag is VERSION
#
# VERSION is the release version without the leading `v` (0.2.0, 1.0.0-rc.1); a leading `v` is
# dropped, so `--check "$GITHUB_REF_NAME"` works too. The release workflow runs the check before
# it builds anything: a release whose action.yml points at another version's image would run
# that other image for everyone who uses the new tag.
#
# Only bash, grep and sed; ACTION_YML overrides the file (for tests).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: $0 [--check] VERSION" >&2
  exit 2
}

check=false
case "${1:-}" in
  --check) check=true; shift ;;
  -h | --help) usage ;;
esac
[ "$#" -eq 1 ] || usage
version=${1#v}
# SemVer's version core with an optional pre-release; build metadata (+...) is not a valid
# Docker tag character, so it is refused here rather than by the registry.
if ! printf '%s\n' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
  echo "error: '$1' is not a release version such as 1.2.3 or 1.2.3-rc.1" >&2
  exit 2
fi

file=${ACTION_YML:-action.yml}
[ -f "$file" ] || { echo "error: $file not found" >&2; exit 2; }

# The one line that names the prebuilt image, e.g.
#   image: docker://ghcr.io/budgetgate/budgetgate:0.1.0
pattern='^[[:space:]]*image:[[:space:]]*["'\'']?docker://ghcr\.io/[^/[:space:]]+/budgetgate:[^[:space:]"'\'']+'
count=$(grep -Ec "$pattern" "$file" || true)
if [ "$count" -ne 1 ]; then
  echo "error: expected exactly one 'image: docker://ghcr.io/<owner>/budgetgate:<tag>' line in $file, found $count" >&2
  exit 2
fi
line=$(grep -E "$pattern" "$file")
current=$(printf '%s\n' "$line" | sed -E 's#.*docker://ghcr\.io/[^/[:space:]]+/budgetgate:([^[:space:]"'\'']+).*#\1#')

if "$check"; then
  if [ "$current" != "$version" ]; then
    echo "error: $file runs the image tag '$current', but this release is '$version'." >&2
    echo "Run scripts/set-action-image.sh $version, commit, and tag that commit." >&2
    exit 1
  fi
  echo "ok: $file runs budgetgate:$version"
  exit 0
fi

if [ "$current" = "$version" ]; then
  echo "$file already runs budgetgate:$version"
  exit 0
fi
# Replace the tag only: indentation, quoting, the owner and any trailing comment stay.
tmp=$(mktemp "${file}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
sed -E "s#^([[:space:]]*image:[[:space:]]*[\"']?docker://ghcr\.io/[^/[:space:]]+/budgetgate:)[^[:space:]\"']+#\1${version}#" "$file" > "$tmp"
cat "$tmp" > "$file"
echo "$file: budgetgate:$current -> budgetgate:$version"
