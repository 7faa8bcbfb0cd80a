#!/usr/bin/env bash
# cargo-deny's license, bans and sources checks (deny.toml), offline: the
# crates are fetched once with `cargo fetch`, then nothing else is
# downloaded. Installs the pinned cargo-deny from crates.io if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo_deny_version="0.20.2"
if ! cargo deny --version 2>/dev/null | grep -qxF "cargo-deny $cargo_deny_version"; then
    echo "installing cargo-deny $cargo_deny_version from crates.io (compiles for a few minutes)"
    cargo install cargo-deny --version "=$cargo_deny_version" --locked
fi
cargo fetch --locked
cargo deny --offline check licenses bans sources
