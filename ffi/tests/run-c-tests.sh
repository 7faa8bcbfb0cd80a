#!/usr/bin/env bash
# Builds libhush (static and shared) and runs each C test program against it
# (the debug build of the crate's library, target/debug/libhush_ffi.{a,so}:
# the same code cargo-c installs as libhush; scripts/test-install.sh tests the
# installed library)
# (ffi/tests/c/test_foundation.c: keys, KEM, pre-keys, bundles, fingerprints;
# ffi/tests/c/test_session.c: a whole two-party conversation;
# ffi/tests/c/test_sealed_sender.c: certificates, sealed sender v1 and v2;
# ffi/tests/c/test_groups.c: a three-member group with sender keys;
# ffi/tests/c/test_retry.c: retry receipts and libsignal's record bytes;
# ffi/tests/c/test_classic.c: classic Signal (version 3), libsignal-protocol-c records):
#   1. linked with libhush.a under AddressSanitizer (leak checks on) and UBSan
#   2. linked with libhush.so
#   3. linked with libhush.a under Valgrind (skipped if valgrind is missing)
# and checks that include/hush.h compiles as C++11 (and links and runs).
# Works from any directory. Honors CARGO_TARGET_DIR (default: target), CC, CXX.
# Exits non-zero if anything fails. The last line is "c-runs: N passed, N failed".
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 1

target="${CARGO_TARGET_DIR:-target}"
case "$target" in
    /*) ;;
    *) target="$root/$target" ;;
esac
libdir="$target/debug"
cc="${CC:-gcc}"
cxx="${CXX:-g++}"

echo "== cargo build -p hush-ffi"
if ! cargo build -p hush-ffi; then
    echo "cargo build failed"
    echo "c-runs: 0 passed, 1 failed"
    exit 1
fi
staticlib="$libdir/libhush_ffi.a"
sharedlib="$libdir/libhush_ffi.so"
for f in "$staticlib" "$sharedlib"; do
    if [ ! -f "$f" ]; then
        echo "missing $f"
        echo "c-runs: 0 passed, 1 failed"
        exit 1
    fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
skipped=0
step() { # step NAME COMMAND...
    local name="$1"
    shift
    echo "== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $name"
        failed=$((failed + 1))
    fi
}

programs=(test_foundation test_session test_sealed_sender test_groups test_retry test_classic)
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -g -I"$root/include")
syslibs=(-lpthread -ldl -lm)
sanitize=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

build_and_run_asan() { # build_and_run_asan PROGRAM
    "$cc" "${cflags[@]}" "${sanitize[@]}" "$here/c/$1.c" "$staticlib" "${syslibs[@]}" -o "$work/$1_asan" &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            "$work/$1_asan"
}

# Whether PROGRAM loads libhush_ffi.so from $libdir. ldd's whole output is read
# first: piping it into `grep -q` under pipefail fails at random, because grep
# exits at the first match and ldd then dies of SIGPIPE.
linked_against_shared() { # linked_against_shared PROGRAM
    local deps
    deps="$(ldd "$1")" || { echo "ldd failed on $1"; return 1; }
    case "$deps" in
    *"$sharedlib"*) return 0 ;;
    *) echo "not linked against $sharedlib"; return 1 ;;
    esac
}

build_and_run_shared() { # build_and_run_shared PROGRAM
    "$cc" "${cflags[@]}" "$here/c/$1.c" -L"$libdir" -Wl,-rpath,"$libdir" -lhush_ffi "${syslibs[@]}" -o "$work/$1_shared" &&
        linked_against_shared "$work/$1_shared" &&
        "$work/$1_shared"
}

build_and_run_valgrind() { # build_and_run_valgrind PROGRAM
    "$cc" "${cflags[@]}" "$here/c/$1.c" "$staticlib" "${syslibs[@]}" -o "$work/$1_plain" &&
        valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            "$work/$1_plain"
}

build_and_run_cpp() {
    "$cxx" -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$root/include" "$here/c/header_cpp.cpp" &&
        "$cxx" -std=c++11 -Wall -Wextra -Werror -pedantic -g -I"$root/include" "$here/c/header_cpp.cpp" \
            "$staticlib" "${syslibs[@]}" -o "$work/header_cpp" &&
        "$work/header_cpp"
}

for program in "${programs[@]}"; do
    step "$program, libhush.a, ASan + UBSan" build_and_run_asan "$program"
    step "$program, libhush.so" build_and_run_shared "$program"
    if command -v valgrind >/dev/null 2>&1; then
        step "$program, libhush.a, Valgrind" build_and_run_valgrind "$program"
    else
        echo "== $program under Valgrind: skipped (valgrind is not installed)"
        skipped=$((skipped + 1))
    fi
done
step "C++11 header check" build_and_run_cpp

echo "c-runs: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
