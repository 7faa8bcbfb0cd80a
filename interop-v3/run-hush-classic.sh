#!/usr/bin/env bash
# hush's classic Signal (message version 3) against the version-3 libraries,
# on a fresh machine (scripts/test-all.sh runs it as one step):
#   1. installs and builds the v3 peers if missing (setup.sh: Debian packages
#      libsignal-protocol-c-dev, libomemo-c-dev, libcjson-dev, libssl-dev via
#      apt-get; npm ci; a Python venv pyenv/ with requirements.txt; the C peers),
#   2. builds the hush peer (interop/hush-peer) and runs it as `hush-peer --classic`,
#   3. ../interop/selftest.mjs, the 1:1 scenarios that apply to version 3
#      (run-matrix.sh's skip list), hush as A and as B against
#      libsignal-protocol-c, libomemo-c, npm libsignal and python-axolotl, and
#      hush <-> hush (plus the sender-key group scenarios with the C peer and
#      hush itself, and hush <-> hush with every record through to_state/from_state),
#   4. scripts/drive-v3.mjs (first contact both ways, 300 messages, out of
#      order, duplicates) hush <-> libsignal-protocol-c and hush <-> npm,
#   5. scripts/replay-v3.mjs: the version-3 transcripts replayed on hush,
#   6. scripts/oldmemo_matrix.py: oldmemo (OMEMO 0.3) against hush, including
#      whole OMEMO 0.3 messages both ways (examples/omemo/omemo03.rs in the peer),
#   7. examples/omemo.rs runs,
#   8. scripts/check-hush-classic.mjs: every outcome must be the expected one
#      (hush-classic-expected.txt lists the other libraries' documented defects),
#      writes matrix-hush.md.
# Output goes to interop-v3/results-run/ (ignored by git). With --record it goes
# to interop-v3/results/hush/ instead (the committed tables).
# Exits non-zero on any unexpected outcome.
# HUSH_SELFTEST=FILE uses another selftest.mjs (default ../interop/selftest.mjs).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/results-run"
if [ "${1:-}" = "--record" ]; then
  out="$here/results/hush"
elif [ -n "${1:-}" ]; then
  echo "usage: interop-v3/run-hush-classic.sh [--record]" >&2
  exit 2
fi
selftest=${HUSH_SELFTEST:-$root/interop/selftest.mjs}

for tool in cargo node npm python3; do
  command -v "$tool" >/dev/null || { echo "run-hush-classic.sh: $tool is required" >&2; exit 1; }
done

# 1. the v3 peers
if [ ! -x "$here/build/peer3-lspc" ] || [ ! -x "$here/build/peer3-omemo" ] ||
  [ ! -d "$here/node_modules/libsignal" ] || [ ! -x "$here/pyenv/bin/python" ]; then
  "$here/setup.sh" || { echo "run-hush-classic.sh: setup.sh failed" >&2; exit 1; }
fi
# the interop/ drivers import nothing from npm, but selftest.mjs lives there
[ -f "$selftest" ] || { echo "run-hush-classic.sh: $selftest missing" >&2; exit 1; }

# 2. the hush peer
cd "$root"
cargo build --locked -q -p hush-interop-peer || exit 1
target_dir=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
bin="$target_dir/debug/hush-peer"
[ -x "$bin" ] || { echo "run-hush-classic.sh: $bin was not built" >&2; exit 1; }
# Peers run in the driver's interop/ directory (selftest.mjs's own, and the
# project's interop/ for the v3 drivers): relative specs keep the saved tables
# free of local paths.
specs() {
  local base=$1 rel_bin rel_v3
  rel_bin=$(node -e 'console.log(require("path").relative(process.argv[1], process.argv[2]))' "$base" "$bin")
  rel_v3=$(node -e 'console.log(require("path").relative(process.argv[1], process.argv[2]))' "$base" "$here")
  SPEC=(
    [hush]="cmd:'$rel_bin' --classic"
    [hush-rt]="cmd:HUSH_PEER_ROUNDTRIP_STATE=1 '$rel_bin' --classic"
    [c]="cmd:$rel_v3/build/peer3-lspc"
    [omemo-c]="cmd:$rel_v3/build/peer3-omemo"
    [npm]="cmd:node $rel_v3/npm-peer/peer-npm.mjs"
    [axolotl]="cmd:$rel_v3/pyenv/bin/python $rel_v3/py-peer/peer_axolotl.py"
  )
}
declare -A SPEC
rm -rf "$out"
mkdir -p "$out"
status=0

# 3. selftest: the scenarios run-matrix.sh runs for v3 (skipped_key_limit probes
# v4's 25 000 jump, retry_receipt is a v4 message type).
SKIP="sealed_sender_v1,sealed_sender_v2,fingerprints_agree,spqr_negotiation,peer_without_spqr,kyber_prekey_missing,kyber_last_resort_reuse,skipped_key_limit,retry_receipt"
GROUP_SCENARIOS="group_three_members,group_out_of_order"
specs "$(dirname "$selftest")"
for pair in "hush c" "c hush" "hush omemo-c" "omemo-c hush" "hush npm" "npm hush" \
  "hush axolotl" "axolotl hush" "hush hush" "hush-rt hush-rt"; do
  read -r a b <<<"$pair"
  skip="$SKIP"
  # libsignal-protocol-c has sender keys; libomemo-c, npm and axolotl have none.
  case "$a/$b" in
    hush/c | c/hush | hush/hush | hush-rt/hush-rt) ;;
    *) skip="$skip,$GROUP_SCENARIOS" ;;
  esac
  (cd "$(dirname "$selftest")" && node "$selftest" "${SPEC[$a]}" "${SPEC[$b]}" --skip "$skip" \
    --json "$out/selftest-$a~$b.json") >"$out/selftest-$a~$b.txt" 2>&1
  echo "selftest $a -> $b: $(tail -1 "$out/selftest-$a~$b.txt")"
  [ -s "$out/selftest-$a~$b.json" ] || {
    echo "UNEXPECTED selftest $a -> $b wrote no results"
    status=1
  }
done

# 4. the long conversation driver
specs "$root/interop"
for pair in "hush c" "c hush" "hush npm" "npm hush"; do
  read -r a b <<<"$pair"
  node "$here/scripts/drive-v3.mjs" "${SPEC[$a]}" "${SPEC[$b]}" >"$out/drive-$a~$b.txt" 2>&1
  echo "drive-v3 $a -> $b: $(tail -1 "$out/drive-$a~$b.txt")"
done

# 5. transcripts (one-way from C and npm; the two-way C <-> npm conversation
# through hush's libsignal-protocol-c record importer)
node "$here/scripts/replay-v3.mjs" "${SPEC[hush]}" "$here"/transcripts/*.json >"$out/replay-hush.txt" 2>&1
echo "replay on hush: $(tail -1 "$out/replay-hush.txt")"

# 6. oldmemo against hush
"$here/pyenv/bin/python" "$here/scripts/oldmemo_matrix.py" --no-limits --json "$out/oldmemo.json" \
  "${SPEC[hush]}" >"$out/oldmemo.txt" 2>&1
echo "oldmemo: $(tail -1 "$out/oldmemo.txt")"

# 7. the OMEMO 0.3 example (its message layer is what test 5 of oldmemo_matrix.py checked)
(cd "$root" && cargo run --locked -q --example omemo) >"$out/example-omemo.log" 2>&1 || {
  status=1
  echo "UNEXPECTED examples/omemo.rs failed (see $out/example-omemo.log)"
}

# 8. the verdict
node "$here/scripts/check-hush-classic.mjs" "$out" "$here/hush-classic-expected.txt" || status=1
exit "$status"
