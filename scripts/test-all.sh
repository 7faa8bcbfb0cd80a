#!/usr/bin/env bash
# Every test hush has, on a fresh machine: the README's test command, and
# what CI (.ci/run) runs. Installs what it needs itself (valgrind from
# Debian if missing; libsignal from npm for the interop suites).
#
#   0. formatting and lints: cargo fmt --check, cargo clippy -D warnings
#   1. cargo test for the whole workspace: unit tests, RFC / Wycheproof /
#      libsignal vectors, transcripts, proptests, fuzz-corpus replay, the
#      C header staleness check, doc tests
#   2. every criterion benchmark runs once (so none bit-rots; nothing is timed),
#      and the README's main job (examples/conversation) must run
#   3. the C test program under ASan+UBSan, against the .so, and under Valgrind
#   4. live interop against the real libsignal (npm @signalapp/libsignal-client)
#   5. classic Signal (version 3) against libsignal-protocol-c, libomemo-c, npm
#      libsignal, python-axolotl and oldmemo (installs and builds those peers)
#   6. hush as an installed C library (scripts/test-install.sh): cargo-c
#      install into a temporary prefix, SONAME, exports, pkg-config, and the
#      C examples built by hand, with CMake and with Meson against it
#   7. rustdoc without warnings, cargo-deny (licenses, bans, sources; offline),
#      cargo package for hush and hush-ffi
#   8. the run left every tracked file as it was (git status)
#
# The last line is "test-all: N passed, N failed" (suites).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

passed=0
failed=0
failures=()

# The state of the tracked files before the run (in CI, a fresh clone: clean).
tracked_state() {
    git status --porcelain --untracked-files=no
    git diff --binary HEAD | sha256sum
}
tracked_before="$(tracked_state)"
untracked_before="$(git status --porcelain --untracked-files=all | grep '^??' || true)"
run() {
    local name="$1"
    shift
    echo
    echo "=================== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "!!! $name FAILED"
    fi
}

install_debian_packages() {
    local missing=()
    command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    return 0
}

# rustfmt and clippy are rustup components; a minimal toolchain may lack them.
lint_components() {
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        rustup component add clippy rustfmt
    fi
}
fmt_check() {
    lint_components && cargo fmt --all --check
}
clippy_check() {
    lint_components && cargo clippy --workspace --all-targets --locked -- -D warnings
}

run "debian packages" install_debian_packages
run "cargo fmt --all --check" fmt_check
run "cargo clippy --workspace --all-targets --locked -- -D warnings" clippy_check
run "cargo test (workspace)" cargo test --workspace --locked
run "benchmarks run once each (nothing timed)" cargo test --locked --bench '*'
run "main job (examples/conversation)" cargo run --locked --quiet --example conversation
run "C ABI tests (ASan/UBSan, shared library, Valgrind)" bash ffi/tests/run-c-tests.sh
run "interop with libsignal 0.90 and 0.103" bash interop/run-hush-interop.sh
run "classic (v3) interop: libsignal-protocol-c, libomemo-c, npm libsignal, python-axolotl, oldmemo" bash interop-v3/run-hush-classic.sh
run "installed C library: cargo-c, pkg-config, CMake, Meson, C examples" bash scripts/test-install.sh
run "rustdoc (-D warnings)" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
run "cargo-deny: licenses, bans, sources (offline)" bash scripts/check-deny.sh
run "cargo package (hush, hush-ffi)" cargo package -p hush -p hush-ffi --no-verify --locked --allow-dirty

# A test run must not rewrite tracked files (results go to ignored folders).
tracked_files_unchanged() {
    local untracked_after
    untracked_after="$(git status --porcelain --untracked-files=all | grep '^??' || true)"
    if [ "$untracked_after" != "$untracked_before" ]; then
        echo "warning: the run left new untracked files (add them to .gitignore):"
        comm -13 <(echo "$untracked_before") <(echo "$untracked_after")
    fi
    if [ "$(tracked_state)" != "$tracked_before" ]; then
        echo "the test run modified tracked files:"
        git status --porcelain --untracked-files=no
        return 1
    fi
    echo "no tracked file was modified"
}
run "the checkout is as the run found it (git status)" tracked_files_unchanged

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed suites: %s\n' "${failures[@]}"
fi
echo "test-all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
