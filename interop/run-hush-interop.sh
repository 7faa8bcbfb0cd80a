#!/usr/bin/env bash
# Checks hush against the real libsignal through the peer protocol:
#   1. builds the hush peer (interop/hush-peer, binary hush-peer),
#   2. installs the libsignal peers (setup.sh) if interop/node_modules is missing,
#   3. runs foundation.mjs against libsignal 0.103 and 0.90 (live cross-checks),
#   4. replays the foundation vectors (signatures, fingerprints, primitives).
# Exits non-zero if any step fails. Usage: interop/run-hush-interop.sh (from anywhere).
# HUSH_PEER_PROFILE=release builds and uses the release binary (default: debug).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
profile=${HUSH_PEER_PROFILE:-debug}

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || { echo "run-hush-interop.sh: $tool is required" >&2; exit 1; }
done

cd "$root"
case "$profile" in
  debug) cargo build -p hush-interop-peer ;;
  release) cargo build --release -p hush-interop-peer ;;
  *) echo "run-hush-interop.sh: HUSH_PEER_PROFILE must be debug or release" >&2; exit 2 ;;
esac
target_dir=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
bin="$target_dir/$profile/hush-peer"
[ -x "$bin" ] || { echo "run-hush-interop.sh: $bin was not built" >&2; exit 1; }
spec="cmd:'$bin'"

if [ ! -d "$here/node_modules" ]; then
  "$here/setup.sh"
fi

status=0
for version in 0.103 0.90; do
  echo "== foundation.mjs: hush vs libsignal $version"
  node "$here/foundation.mjs" "$spec" "$version" || status=1
done
echo "== replay.mjs: foundation vectors"
node "$here/replay.mjs" "$spec" "$root"/test-vectors/libsignal/{signatures,fingerprints,primitives}.json || status=1

if [ "$status" -eq 0 ]; then echo "run-hush-interop.sh: all passed"; else echo "run-hush-interop.sh: FAILED" >&2; fi
exit "$status"
