#!/usr/bin/env bash
# Runs every hush fuzz target for SECONDS seconds each (default 10), on the
# machine's stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
# nightly-only sanitizer flags). Installs cargo-fuzz first if it is missing.
#
# libFuzzer reads the committed seeds in corpus/<target>/ and writes what it
# finds to corpus-work/<target>/ (git-ignored), so the committed corpus stays
# small. Crashes land in artifacts/<target>/. Exits non-zero if any target
# failed.
#
# Usage: fuzz/run-all.sh [SECONDS]
set -euo pipefail

seconds="${1:-10}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz not found; installing it"
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
cargo fuzz build

failed=()
ran=0
for target in $(cargo fuzz list); do
  mkdir -p "corpus-work/$target"
  echo "=== $target: ${seconds}s"
  if cargo fuzz run "$target" "corpus-work/$target" "corpus/$target" -- -max_total_time="$seconds"; then
    ran=$((ran + 1))
  else
    failed+=("$target")
  fi
done

echo "fuzz: $ran targets ran clean for ${seconds}s each, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[ "${#failed[@]}" -eq 0 ]
