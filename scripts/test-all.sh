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
#
# The last line is "test-all: N passed, N failed" (suites).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

passed=0
failed=0
failures=()
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

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed suites: %s\n' "${failures[@]}"
fi
echo "test-all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
