//! The one boundary every export goes through.
//!
//! `ffi_boundary!(a, b, out => { body })` first checks that each listed
//! argument is non-NULL (returning `HUSH_RESULT_NULL_ARGUMENT` naming the
//! first that is), then runs `body`, which evaluates to
//! `Result<(), Failure>`, under `catch_unwind`. A panic becomes
//! `HUSH_RESULT_PANIC`; no unwind crosses into C. Every pointer an export
//! writes through is listed, so all NULL checks happen before any output is
//! written. The per-thread last-error message is set on the way out.
//!
//! Functions that do not return a `hush_result` (`_free`, `hush_version`,
//! `hush_last_error_message`) use [`run_or`] instead.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{hush_result, set_last_error, Failure, HUSH_RESULT_OK, HUSH_RESULT_PANIC};

/// Arguments whose NULL-ness the boundary checks: raw pointers and optional
/// function pointers (C callbacks).
pub(crate) trait NullCheck {
    fn is_null_arg(&self) -> bool;
}

impl<T> NullCheck for *const T {
    fn is_null_arg(&self) -> bool {
        self.is_null()
    }
}

impl<T> NullCheck for *mut T {
    fn is_null_arg(&self) -> bool {
        self.is_null()
    }
}

impl<F> NullCheck for Option<F> {
    fn is_null_arg(&self) -> bool {
        self.is_none()
    }
}

/// Checks the listed arguments for NULL, then runs the body under the panic
/// boundary. See the module documentation.
macro_rules! ffi_boundary {
    ($($arg:ident),* => $body:block) => {
        $crate::panic::run(|| -> ::core::result::Result<(), $crate::error::Failure> {
            $(
                if $crate::panic::NullCheck::is_null_arg(&$arg) {
                    return Err($crate::error::Failure::null_argument(stringify!($arg)));
                }
            )*
            $body
        })
    };
}
pub(crate) use ffi_boundary;

/// Runs `body` under `catch_unwind`, turning its outcome into a result code
/// and recording the message for `hush_last_error_message`.
pub(crate) fn run<F: FnOnce() -> Result<(), Failure>>(body: F) -> hush_result {
    // The closure only sees raw pointers and handles the caller lent us. If it
    // panics half-way, a handle may be left in an unspecified but memory-safe
    // state, which HUSH_RESULT_PANIC documents; hence AssertUnwindSafe.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            set_last_error("");
            HUSH_RESULT_OK
        }
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.code
        }
        Err(payload) => {
            set_last_error(&format!(
                "hush panicked: {}",
                panic_message(payload.as_ref())
            ));
            // Dropping a panic payload can itself panic (a payload type with a
            // panicking Drop); keep that on this side of the boundary too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            HUSH_RESULT_PANIC
        }
    }
}

/// Runs `body` under `catch_unwind`, returning `default` if it panics.
pub(crate) fn run_or<T, F: FnOnce() -> T>(default: T, body: F) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            default
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::ffi::c_void;

    use super::*;
    use crate::error::{
        hush_last_error_message, HUSH_RESULT_BAD_KEY_LENGTH, HUSH_RESULT_NULL_ARGUMENT,
    };

    fn last_message() -> String {
        let mut buf = [0 as std::ffi::c_char; 128];
        // SAFETY: `buf` is 128 writable bytes.
        unsafe { hush_last_error_message(buf.as_mut_ptr(), buf.len()) };
        // SAFETY: hush_last_error_message NUL-terminates `buf`.
        unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    /// An export-shaped function whose body panics, fails or succeeds on demand.
    extern "C" fn probe(input: *const u8, out: *mut u32, mode: u32) -> hush_result {
        ffi_boundary!(input, out => {
            match mode {
                0 => {
                    // SAFETY: the boundary checked `out`; the tests pass a live u32.
                    unsafe { *out = 7 };
                    Ok(())
                }
                1 => Err(Failure::new(HUSH_RESULT_BAD_KEY_LENGTH, "bad key length <3>")),
                2 => panic!("deliberate panic {}", 42),
                _ => std::panic::panic_any(Cell::new(1u8)),
            }
        })
    }

    #[test]
    fn success_writes_output_and_clears_message() {
        let mut out = 0u32;
        assert_eq!(probe(b"x".as_ptr(), &mut out, 0), HUSH_RESULT_OK);
        assert_eq!(out, 7);
        assert_eq!(last_message(), "");
    }

    #[test]
    fn failure_code_and_message_pass_through() {
        let mut out = 0u32;
        assert_eq!(
            probe(b"x".as_ptr(), &mut out, 1),
            HUSH_RESULT_BAD_KEY_LENGTH
        );
        assert_eq!(out, 0);
        assert_eq!(last_message(), "bad key length <3>");
    }

    #[test]
    fn panics_become_a_result_code() {
        let mut out = 0u32;
        assert_eq!(probe(b"x".as_ptr(), &mut out, 2), HUSH_RESULT_PANIC);
        assert_eq!(last_message(), "hush panicked: deliberate panic 42");
        assert_eq!(probe(b"x".as_ptr(), &mut out, 3), HUSH_RESULT_PANIC);
        assert_eq!(last_message(), "hush panicked: (no message)");
        assert_eq!(out, 0);
    }

    #[test]
    fn null_arguments_are_rejected_before_the_body_runs() {
        let mut out = 0u32;
        // Mode 2 would panic if the body ran.
        assert_eq!(
            probe(std::ptr::null(), &mut out, 2),
            HUSH_RESULT_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `input` is NULL");
        assert_eq!(
            probe(b"x".as_ptr(), std::ptr::null_mut(), 2),
            HUSH_RESULT_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `out` is NULL");
    }

    #[test]
    fn null_callbacks_are_caught() {
        type Callback = Option<extern "C" fn(*mut c_void)>;
        let missing: Callback = None;
        assert!(missing.is_null_arg());
        extern "C" fn noop(_: *mut c_void) {}
        let present: Callback = Some(noop);
        assert!(!present.is_null_arg());
    }

    #[test]
    fn run_or_returns_the_default_on_panic() {
        assert_eq!(run_or(5, || -> i32 { panic!("no") }), 5);
        assert_eq!(run_or(5, || 6), 6);
    }
}
