//! `hush-peer`: hush behind the interop harness's peer protocol
//! (interop/PROTOCOL.md), so the harness can drive it against libsignal.
//!
//! One JSON request per line on stdin, exactly one JSON response per line on
//! stdout, in order. Bad input never ends the process: it gets an error
//! response and the state is kept. The process exits with status 0 at end of
//! input or after answering `quit`. stdout carries protocol lines only;
//! diagnostics go to stderr.
//!
//! The peer uses only hush's public API. It is an application, not the core,
//! so it reads the clock (default timestamps) and the OS random source itself.
//!
//! `hush-peer --classic` speaks the version-3 (classic Signal) variant of the
//! protocol instead (interop-v3/README.md), through `hush::classic`; see
//! `classic.rs`.
//!
//! `HUSH_PEER_ROUNDTRIP_STATE=1` sends every session record a command
//! changes through `to_state`/`from_state` before keeping it (persistence
//! under test, as an application storing records between messages would).

#![forbid(unsafe_code)]

mod classic;
mod classic_groups;
mod classic_keys;
mod classic_omemo;
mod classic_sessions;
mod commands;
mod error;
mod fingerprint;
mod groups;
mod housekeeping;
mod identities;
mod identity_prekeys;
mod message_info;
mod migrate;
mod params;
mod peer;
mod primitives;
mod retry;
mod sealed;
mod sessions;

use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use rand::rngs::{StdRng, SysRng};
use rand::SeedableRng;
use serde_json::{Map, Value};

use crate::error::PeerError;
use crate::params::Params;
use crate::peer::Peer;

fn main() -> ExitCode {
    let rng = match StdRng::try_from_rng(&mut SysRng) {
        Ok(rng) => rng,
        Err(e) => {
            eprintln!("hush-peer: no OS randomness: {e}");
            return ExitCode::FAILURE;
        }
    };
    let roundtrip_state = std::env::var_os("HUSH_PEER_ROUNDTRIP_STATE").is_some_and(|v| v == "1");
    if std::env::args().skip(1).any(|a| a == "--classic") {
        let mut peer = classic::ClassicPeer::new(rng);
        peer.roundtrip_state = roundtrip_state;
        return serve(|line| classic::handle_line(&mut peer, line).map(|r| (r, peer.quit)));
    }
    let mut peer = Peer::new(rng);
    peer.roundtrip_state = roundtrip_state;
    serve(|line| handle_line(&mut peer, line).map(|r| (r, peer.quit)))
}

/// The request loop: one response line per request line, until end of
/// input, a write failure or `quit`. `respond` gives the response to a line
/// (`None` for a blank one) and whether the peer is to quit.
fn serve(mut respond: impl FnMut(&str) -> Option<(Value, bool)>) -> ExitCode {
    let stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    for line in stdin.split(b'\n') {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("hush-peer: reading stdin: {e}");
                break;
            }
        };
        // Invalid UTF-8 is replaced, and then fails as invalid JSON.
        let line = String::from_utf8_lossy(&line);
        let Some((response, quit)) = respond(&line) else {
            continue;
        };
        let written = writeln!(stdout, "{response}").and_then(|()| stdout.flush());
        if written.is_err() {
            break; // the driver went away
        }
        if quit {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// Answers one input line; `None` for a blank line (no response).
fn handle_line(peer: &mut Peer, line: &str) -> Option<Value> {
    handle_line_with(peer, line, commands::find)
}

/// A command handler of a peer of type `P`.
pub(crate) type HandlerOf<P> = fn(&mut P, &Params<'_>) -> error::Result<Value>;

/// Answers one input line with the handler `find` returns for its `cmd`.
pub(crate) fn handle_line_with<P>(
    peer: &mut P,
    line: &str,
    find: fn(&str) -> Option<HandlerOf<P>>,
) -> Option<Value> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let request = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(request)) => request,
        Ok(_) => {
            return Some(failure(
                Value::Null,
                &PeerError::bad_request("request must be a JSON object"),
            ))
        }
        Err(e) => {
            return Some(failure(
                Value::Null,
                &PeerError::bad_request(format!("invalid JSON: {e}")),
            ))
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let handler = match request.get("cmd") {
        Some(Value::String(cmd)) => find(cmd),
        _ => None,
    };
    let Some(handler) = handler else {
        let cmd = request
            .get("cmd")
            .map_or_else(|| "undefined".to_owned(), Value::to_string);
        return Some(failure(id, &PeerError::new("UnknownCommand", cmd)));
    };
    // hush does not panic on any input; should it ever, report and go on.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler(peer, &Params::new(&request))));
    Some(match outcome {
        Ok(Ok(result)) => success(id, result),
        Ok(Err(e)) => failure(id, &e),
        Err(_) => failure(
            id,
            &PeerError::new("InternalError", "the command panicked (see stderr)"),
        ),
    })
}

fn success(id: Value, result: Value) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), id);
    out.insert("ok".into(), Value::Bool(true));
    if let Value::Object(members) = result {
        out.extend(members);
    }
    Value::Object(out)
}

fn failure(id: Value, e: &PeerError) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), id);
    out.insert("ok".into(), Value::Bool(false));
    out.insert("error".into(), Value::String(e.to_string()));
    out.insert("error_class".into(), Value::String(e.class().into()));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Peer {
        Peer::new(StdRng::seed_from_u64(3))
    }

    fn ask(peer: &mut Peer, line: &str) -> Value {
        handle_line(peer, line).expect("a response")
    }

    #[test]
    fn envelope_and_bad_input() {
        let mut p = peer();
        assert!(handle_line(&mut p, "   ").is_none());
        let r = ask(&mut p, r#"{"id":7,"cmd":"ping"}"#);
        assert_eq!(r, serde_json::json!({"id": 7, "ok": true, "pong": true}));
        let r = ask(&mut p, "{not json");
        assert_eq!(r["id"], Value::Null);
        assert_eq!(r["error_class"], "BadRequest");
        assert!(r["error"]
            .as_str()
            .unwrap()
            .starts_with("BadRequest: invalid JSON"));
        assert_eq!(ask(&mut p, "[1]")["error_class"], "BadRequest");
        let r = ask(&mut p, r#"{"id":"x","cmd":"export_sessions"}"#);
        assert_eq!(r["id"], "x");
        assert_eq!(r["error"], r#"UnknownCommand: "export_sessions""#);
        assert_eq!(
            ask(&mut p, r#"{"id":1}"#)["error"],
            "UnknownCommand: undefined"
        );
        assert_eq!(
            ask(&mut p, r#"{"cmd":"sign","message":"00"}"#)["error_class"],
            "NoIdentity"
        );
        assert_eq!(
            ask(
                &mut p,
                r#"{"cmd":"verify","public_key":"0z","message":"","signature":""}"#
            )["error_class"],
            "BadRequest"
        );
        assert_eq!(
            ask(
                &mut p,
                r#"{"cmd":"verify","public_key":"05","message":"","signature":""}"#
            )["error_class"],
            "LibSignalError"
        );
        assert_eq!(
            ask(&mut p, r#"{"cmd":"hkdf","ikm":"00","length":8161}"#)["error_class"],
            "BadRequest"
        );
        assert_eq!(
            ask(&mut p, r#"{"cmd":"hkdf","ikm":"00","length":2.5}"#)["error_class"],
            "BadRequest"
        );
        assert_eq!(
            ask(&mut p, r#"{"cmd":"keypair","private":"1111"}"#)["error_class"],
            "LibSignalError"
        );
    }

    #[test]
    fn quit_sets_the_flag() {
        let mut p = peer();
        assert_eq!(ask(&mut p, r#"{"id":1,"cmd":"quit"}"#)["bye"], true);
        assert!(p.quit);
    }
}
