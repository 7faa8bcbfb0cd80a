#!/usr/bin/env bash
# Checks hush against the real libsignal through the peer protocol:
#   1. builds the hush peer (interop/hush-peer, binary hush-peer),
#   2. installs the libsignal peers (setup.sh) if interop/node_modules is missing,
#   3. runs foundation.mjs against libsignal 0.103 and 0.90 (live cross-checks),
#   4. replays the foundation vectors (signatures, fingerprints, primitives),
#   5. runs selftest.mjs's 1:1 session, group and sealed-sender scenarios (plus
#      spqr_negotiation, fingerprints_agree and retry_receipt) for hush x 0.103, 0.103 x hush,
#      hush x 0.90, 0.90 x hush and hush x hush, saving the tables as
#      results/latest/selftest-{hush-0.103,0.103-hush,hush-0.90,0.90-hush,hush-hush}.txt
#      (git-ignored; with HUSH_INTEROP_RECORD=1 into results/ itself, the
#      committed tables, to refresh them deliberately),
#      then once more with HUSH_PEER_ROUNDTRIP_STATE=1 (every record through
#      to_state/from_state),
#   6. runs migrate_session (B's identity and session move to the third peer C
#      mid-conversation and back) with hush as B and libsignal as C and the
#      other way round, for 0.103 and 0.90 (A is libsignal), plus hush as A
#      with libsignal as B, saving results/latest/selftest-migrate-<A>-<B>-<C>.txt,
#      then roundtrip-records.mjs (libsignal's session, identity and pre-key
#      record bytes moved libsignal -> hush -> libsignal and hush -> libsignal
#      -> hush must stay byte for byte identical),
#   7. runs identity-swap.mjs (the identity-swap attack on a resumed session:
#      libsignal 0.103 and hush must refuse it),
#   8. replays the libsignal 0.90 and 0.103 session, group and sealed-sender
#      transcripts,
#   9. runs differential.mjs (random schedules, hush vs libsignal 0.90) for 5 seeds,
#  10. runs bench-libsignal.mjs --quick once per version, so the reference
#      benchmark keeps working (its figures are printed, never checked).
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

# Scenarios hush must pass against libsignal 0.103, 0.90 and itself.
scenarios=(
  first_contact_a_to_b first_contact_b_to_a long_conversation
  out_of_order_within_chain out_of_order_across_chains delayed_past_several_turns
  receiver_chain_limit lost_messages skipped_key_limit simultaneous_initiation
  session_reset_new_bundle duplicate_rejected tampered_rejected no_one_time_prekey
  one_time_prekey_reuse kyber_prekey_missing kyber_last_resort_reuse
  garbage_input_survives spqr_negotiation fingerprints_agree retry_receipt
  group_three_members group_out_of_order
  sealed_sender_v1 sealed_sender_v2
)
only=$(IFS=,; echo "${scenarios[*]}")
# Peers run in interop/, so a relative spec keeps the saved tables free of local paths.
rel_bin=$(node -e 'console.log(require("path").relative(process.argv[1], process.argv[2]))' "$here" "$bin")
results="$here/results/latest"
[ "${HUSH_INTEROP_RECORD:-0}" = 1 ] && results="$here/results"
mkdir -p "$results"
for pair in "hush 0.103" "0.103 hush" "hush 0.90" "0.90 hush" "hush hush"; do
  read -r a b <<<"$pair"
  echo "== selftest.mjs: A=$a B=$b"
  spec_a=$a spec_b=$b
  [ "$a" = hush ] && spec_a="cmd:'$rel_bin'"
  [ "$b" = hush ] && spec_b="cmd:'$rel_bin'"
  node "$here/selftest.mjs" "$spec_a" "$spec_b" --only "$only" | tee "$results/selftest-$a-$b.txt" || status=1
done
roundtrip="cmd:HUSH_PEER_ROUNDTRIP_STATE=1 '$rel_bin'"
for pair in "$roundtrip|0.103" "0.103|$roundtrip" "$roundtrip|0.90" "0.90|$roundtrip" "$roundtrip|$roundtrip"; do
  echo "== selftest.mjs with HUSH_PEER_ROUNDTRIP_STATE=1: A=${pair%%|*} B=${pair#*|}"
  node "$here/selftest.mjs" "${pair%%|*}" "${pair#*|}" --only "$only" | grep -v '  PASS  ' || status=1
done

# migrate_session needs a third peer (--c): B moves to C and back.
for triple in "0.103 hush 0.103" "0.103 0.103 hush" "0.90 hush 0.90" "0.90 0.90 hush" "hush 0.103 hush" "hush 0.90 hush"; do
  read -r a b c <<<"$triple"
  echo "== selftest.mjs migrate_session: A=$a B=$b C=$c"
  spec_a=$a spec_b=$b spec_c=$c
  [ "$a" = hush ] && spec_a="cmd:'$rel_bin'"
  [ "$b" = hush ] && spec_b="cmd:'$rel_bin'"
  [ "$c" = hush ] && spec_c="cmd:'$rel_bin'"
  node "$here/selftest.mjs" "$spec_a" "$spec_b" --c "$spec_c" --only migrate_session |
    tee "$results/selftest-migrate-$a-$b-$c.txt" || status=1
done
echo "== selftest.mjs migrate_session with HUSH_PEER_ROUNDTRIP_STATE=1: A=0.103 B=0.103 C=hush"
node "$here/selftest.mjs" 0.103 0.103 --c "$roundtrip" --only migrate_session | grep -v '  PASS  ' || status=1
echo "== roundtrip-records.mjs: libsignal's record bytes through hush and back"
node "$here/roundtrip-records.mjs" "cmd:'$rel_bin'" 0.103 0.90 || status=1
echo "== identity-swap.mjs: a PreKey message on an archived session with another identity (0.103 and hush refuse, 0.90 accepts)"
node "$here/identity-swap.mjs" "$spec" 0.103 0.90 "$spec" || status=1
node "$here/identity-swap.mjs" 0.103 "$spec" || status=1

echo "== replay.mjs: libsignal 0.90 and 0.103 session transcripts"
node "$here/replay.mjs" "$spec" "$root"/test-vectors/libsignal/session-*.json || status=1
node "$here/replay.mjs" "cmd:HUSH_PEER_ROUNDTRIP_STATE=1 '$bin'" "$root"/test-vectors/libsignal/session-*.json || status=1
echo "== replay.mjs: libsignal 0.90 and 0.103 group transcripts"
node "$here/replay.mjs" "$spec" "$root"/test-vectors/libsignal/group-*.json || status=1
node "$here/replay.mjs" "cmd:HUSH_PEER_ROUNDTRIP_STATE=1 '$bin'" "$root"/test-vectors/libsignal/group-*.json || status=1
echo "== replay.mjs: libsignal 0.90 and 0.103 sealed-sender transcripts"
node "$here/replay.mjs" "$spec" "$root"/test-vectors/libsignal/sealed-sender-*.json || status=1
node "$here/replay.mjs" "cmd:HUSH_PEER_ROUNDTRIP_STATE=1 '$bin'" "$root"/test-vectors/libsignal/sealed-sender-*.json || status=1

echo "== differential.mjs: random schedules, libsignal/hush vs hush/libsignal vs hush/hush"
node "$here/differential.mjs" "cmd:'$rel_bin'" --seeds 1,2,3,4,5 || status=1

echo "== bench-libsignal.mjs --quick: the reference benchmark still runs (figures not checked)"
node "$here/bench-libsignal.mjs" 0.103 --quick || status=1
node "$here/bench-libsignal.mjs" 0.90 --quick || status=1

if [ "$status" -eq 0 ]; then echo "run-hush-interop.sh: all passed"; else echo "run-hush-interop.sh: FAILED" >&2; fi
exit "$status"
