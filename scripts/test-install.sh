#!/usr/bin/env bash
# hush as an installed C library, tested the way its users meet it:
#
#   1. one release build with cargo-c, installed into a temporary prefix
#      (`cargo cinstall --prefix`) and staged for a package
#      (`cargo cinstall --prefix=/usr --destdir`);
#   2. the installed files: exactly the expected paths and symlinks, the
#      header byte-for-byte the committed include/hush.h, the SONAME
#      (libhush.so.0.MINOR before 1.0, libhush.so.MAJOR after), and the
#      shared library exporting only hush_* symbols: exactly the functions
#      the header declares;
#   3. hush.pc: version, Cflags, Libs, and Libs.private equal to the native
#      libraries rustc reports for the static library;
#   4. consumers that see only the installed prefix: the C examples
#      (examples/c/, -std=c99 -Wall -Wextra -Wpedantic -Werror) built with
#      `pkg-config --cflags --libs hush` (shared) and `pkg-config --static`
#      (static), with CMake (pkg_check_modules IMPORTED_TARGET) and with
#      Meson (dependency('hush')); each program runs and its output must
#      equal examples/c/expected/NAME.txt.
#
# Installs what it needs if missing: cmake, meson, ninja-build, pkg-config
# and binutils from Debian; cargo-c (pinned) from crates.io.
# Honors CARGO_TARGET_DIR and CC. Leaves nothing behind but target/.
# The last line is "install-runs: N passed, N failed".
set -uo pipefail
export LC_ALL=C

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1

# The cargo-c release this is tested with (it needs Rust 1.95 or later).
cargo_c_version="0.10.24+cargo-0.98.0"
cc="${CC:-cc}"
examples=(conversation group sealed_sender)

passed=0
failed=0
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
finish() {
    echo "install-runs: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

install_tools() {
    local missing=()
    command -v cmake >/dev/null 2>&1 || missing+=(cmake)
    command -v meson >/dev/null 2>&1 || missing+=(meson)
    command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v readelf >/dev/null 2>&1 || missing+=(binutils)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]} from Debian"
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
            return 1
    fi
    # The installed cargo-c, whichever way it came, must be the tested release.
    local have
    have="$(cargo cinstall --version 2>/dev/null || true)"
    if [[ "$have" != *"$cargo_c_version"* ]]; then
        echo "installing cargo-c $cargo_c_version from crates.io (compiles for a few minutes)"
        cargo install cargo-c --version "=$cargo_c_version" --locked || return 1
    fi
}

step "tools (cmake, meson, ninja, pkg-config, cargo-c $cargo_c_version)" install_tools
[ "$failed" -eq 0 ] || finish

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

# ------------------------------------------------------------ build, install
# One release build; the second cinstall only copies (the build is cached).
# --libdir=lib (relative to the prefix): on Debian, cargo-c's default is the
# multiarch directory (lib/x86_64-linux-gnu) when dpkg-architecture exists.
step "cargo cinstall --release --prefix=$prefix" \
    cargo cinstall -p hush-ffi --release --locked --prefix="$prefix" --libdir=lib
step "cargo cinstall --prefix=/usr --destdir (a packager's staging)" \
    cargo cinstall -p hush-ffi --release --locked --prefix=/usr --libdir=lib --destdir="$work/stage"
[ -f "$prefix/include/hush.h" ] || finish

define() { # define NAME: a #define's value in the installed header
    sed -n "s/^#define $1 //p" "$prefix/include/hush.h"
}
major="$(define HUSH_VERSION_MAJOR)"
minor="$(define HUSH_VERSION_MINOR)"
patch="$(define HUSH_VERSION_PATCH)"
version="$major.$minor.$patch"
# The ABI policy (README, "Using it (C)"): before 1.0 every minor release
# is a new ABI, from 1.0 on every major release.
if [ "$major" -eq 0 ]; then sover="0.$minor"; else sover="$major"; fi
soname="libhush.so.$sover"
echo "version $version, expected SONAME $soname"

check_layout() { # check_layout DIR LIBDIR INCLUDEDIR: every file and symlink under DIR
    local have want
    have="$(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort | while read -r p; do
        if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"; else echo "$p"; fi
    done)"
    want="$(printf '%s\n' "$3/hush.h" "$2/libhush.a" "$2/libhush.so -> libhush.so.$version" \
        "$2/libhush.so.$sover -> libhush.so.$version" "$2/libhush.so.$version" \
        "$2/pkgconfig/hush.pc" | sort)"
    if [ "$have" != "$want" ]; then
        echo "installed files differ from the expected layout"
        diff <(echo "$want") <(echo "$have")
        return 1
    fi
    echo "$have" | sed 's/^/  /'
}
step "install layout: header, libhush.a, libhush.so.$version + symlinks, hush.pc" \
    check_layout "$prefix" lib include
check_staged() {
    check_layout "$work/stage" usr/lib usr/include &&
        grep -qx 'prefix=/usr' "$work/stage/usr/lib/pkgconfig/hush.pc"
}
step "destdir layout (prefix /usr), and its hush.pc names /usr" check_staged
step "installed header is the committed include/hush.h" cmp "$prefix/include/hush.h" include/hush.h

check_soname() {
    local have
    have="$(readelf -d "$prefix/lib/libhush.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
    echo "SONAME: $have"
    [ "$have" = "$soname" ]
}
step "SONAME is $soname" check_soname

check_exports() {
    local exported declared stray
    exported="$(nm -D --defined-only "$prefix/lib/libhush.so.$version" | awk '{print $3}' | sort -u)"
    declared="$(grep -E '^(const )?[a-z_]+ \*?hush_[a-z0-9_]+\(' "$prefix/include/hush.h" |
        sed -E 's/.*(hush_[a-z0-9_]+)\(.*/\1/' | sort -u)"
    stray="$(echo "$exported" | grep -v '^hush_')"
    if [ -n "$stray" ]; then
        echo "exported symbols outside hush_*:"
        echo "$stray"
        return 1
    fi
    if [ "$exported" != "$declared" ]; then
        echo "exported symbols differ from the header's functions (< header, > library):"
        diff <(echo "$declared") <(echo "$exported")
        return 1
    fi
    echo "$(echo "$exported" | wc -l) symbols, all hush_*, each declared in hush.h"
}
step "libhush.so exports exactly the header's hush_* functions" check_exports

# ------------------------------------------------------------ pkg-config
# Only the installed prefix: no system directory is searched.
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH=

equals() { # equals WHAT HAVE WANT
    if [ "$2" != "$3" ]; then
        echo "$1: '$2', expected '$3'"
        return 1
    fi
    echo "$1: $2"
}
check_pc() {
    equals "--modversion" "$(pkg-config --modversion hush)" "$version" &&
        equals "--cflags" "$(pkg-config --cflags hush | xargs)" "-I$prefix/include" &&
        equals "--libs" "$(pkg-config --libs hush | xargs)" "-L$prefix/lib -lhush"
}
step "hush.pc: version, Cflags -I\${includedir}, Libs -lhush" check_pc

# What rustc reports the static library needs, from the same release build.
check_libs_private() {
    local host reported listed
    host="$(rustc -vV | sed -n 's/^host: //p')"
    reported="$(cargo rustc -p hush-ffi --release --locked --lib --target "$host" --crate-type staticlib \
        -- --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -n 1 | xargs)"
    listed="$(sed -n 's/^Libs.private: //p' "$prefix/lib/pkgconfig/hush.pc" | xargs)"
    [ -n "$reported" ] || { echo "rustc reported no native-static-libs"; return 1; }
    equals "Libs.private (rustc: $reported)" "$listed" "$reported"
}
step "hush.pc: Libs.private = rustc --print native-static-libs" check_libs_private

# ------------------------------------------------------------ consumers
strict=(-std=c99 -Wall -Wextra -Wpedantic -Werror)

run_checked() { # run_checked EXAMPLE PROGRAM: runs it, compares with expected output
    local out="$work/$1.out"
    "$2" >"$out" || { echo "$2 exited with $?"; cat "$out"; return 1; }
    if ! diff -u "examples/c/expected/$1.txt" "$out"; then
        echo "output of $2 differs from examples/c/expected/$1.txt"
        return 1
    fi
    echo "  $(basename "$2"): $(wc -l <"$out") lines as expected"
}

shared_consumer() { # a program linked against libhush.so through pkg-config
    local ex="$1" bin="$work/shared/$1" needed
    mkdir -p "$work/shared"
    # shellcheck disable=SC2046 # pkg-config's output is a list of words
    "$cc" "${strict[@]}" "examples/c/$ex.c" $(pkg-config --cflags --libs hush) \
        -Wl,-rpath,"$(pkg-config --variable=libdir hush)" -o "$bin" || return 1
    needed="$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(libhush[^]]*\)\]/\1/p')"
    equals "  $ex needs" "$needed" "$soname" && run_checked "$ex" "$bin"
}

# A static-only copy of the install (as an SDK or a -static package ships
# it: no libhush.so for the linker to prefer), with hush.pc's prefix moved.
static_prefix="$work/static-prefix"
make_static_prefix() {
    cp -a "$prefix" "$static_prefix" &&
        rm -f "$static_prefix"/lib/libhush.so* &&
        sed -i "s|^prefix=.*|prefix=$static_prefix|" "$static_prefix/lib/pkgconfig/hush.pc"
}
static_consumer() { # a program linked with libhush.a through pkg-config --static
    local ex="$1" bin="$work/static/$1"
    mkdir -p "$work/static"
    # shellcheck disable=SC2046
    "$cc" "${strict[@]}" "examples/c/$ex.c" \
        $(PKG_CONFIG_LIBDIR="$static_prefix/lib/pkgconfig" pkg-config --static --cflags --libs hush) \
        -o "$bin" || return 1
    # Whole outputs first: `cmd | grep -q` fails at random under pipefail
    # (grep exits at the first match and cmd dies of SIGPIPE).
    local dynamic symbols
    dynamic="$(readelf -d "$bin")" && symbols="$(nm "$bin")" || return 1
    case "$dynamic" in *libhush*) echo "$bin still needs a shared libhush"; return 1 ;; esac
    case "$symbols" in
    *" T hush_buffer_free"*) ;;
    *) echo "$bin does not contain libhush.a's code"; return 1 ;;
    esac
    run_checked "$ex" "$bin"
}

cmake_consumer() {
    cmake -S examples/c -B "$work/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 &&
        cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 ||
        { cat "$work/cmake.log"; return 1; }
    local ex
    for ex in "${examples[@]}"; do
        run_checked "$ex" "$work/cmake/$ex" || return 1
    done
}

meson_consumer() {
    meson setup "$work/meson" examples/c >"$work/meson.log" 2>&1 &&
        meson compile -C "$work/meson" >>"$work/meson.log" 2>&1 ||
        { cat "$work/meson.log"; return 1; }
    local ex
    for ex in "${examples[@]}"; do
        LD_LIBRARY_PATH="$prefix/lib" run_checked "$ex" "$work/meson/$ex" || return 1
    done
}

for ex in "${examples[@]}"; do
    step "examples/c/$ex.c, shared, pkg-config --cflags --libs hush" shared_consumer "$ex"
done
step "static-only copy of the install" make_static_prefix
for ex in "${examples[@]}"; do
    step "examples/c/$ex.c, static, pkg-config --static --cflags --libs hush" static_consumer "$ex"
done
step "CMake: pkg_check_modules(HUSH REQUIRED IMPORTED_TARGET hush)" cmake_consumer
step "Meson: dependency('hush')" meson_consumer

finish
