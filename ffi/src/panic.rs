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
//!
//! Two more rules are enforced here, before the body runs:
//!
//! * **Output buffers must be empty.** A listed `hush_buffer *` output
//!   whose `ptr` is not NULL still owns bytes (perhaps secrets); writing
//!   over it would leak them unzeroized, so the call is refused with
//!   `HUSH_RESULT_OUTPUT_NOT_EMPTY` and nothing is done.
//! * **Poisoning.** Every handle a call borrows mutably is noted; if the
//!   call panics, those handles are poisoned (their contents may be half
//!   updated), and every later borrow of them fails with
//!   `HUSH_RESULT_POISONED_HANDLE`. Only their `_free` still works (and
//!   clears the mark, since the address may be reused).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::buffer::hush_buffer;
use crate::error::{
    hush_result, set_last_error, Failure, HUSH_RESULT_OK, HUSH_RESULT_OUTPUT_NOT_EMPTY,
    HUSH_RESULT_PANIC, HUSH_RESULT_POISONED_HANDLE,
};

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

/// The output check for a listed `hush_buffer *`: it must not own bytes.
/// Chosen over [`NotAnOutputBuffer`] by method resolution (the by-value
/// receiver matches first), so the macro needs no type information.
pub(crate) trait OutputBuffer {
    fn check_output(&self, name: &'static str) -> Result<(), Failure>;
}

impl OutputBuffer for *mut hush_buffer {
    fn check_output(&self, name: &'static str) -> Result<(), Failure> {
        // SAFETY: the boundary checked this argument for NULL first, and the
        // caller guarantees an output `hush_buffer` is valid and initialized
        // (`{0}` or a freed buffer), as `hush_buffer` documents.
        let owns_bytes = unsafe { !(**self).ptr.is_null() };
        if owns_bytes {
            return Err(output_not_empty(name));
        }
        Ok(())
    }
}

/// Every other argument: nothing to check.
pub(crate) trait NotAnOutputBuffer {
    fn check_output(&self, _name: &'static str) -> Result<(), Failure> {
        Ok(())
    }
}

impl<T> NotAnOutputBuffer for &T {}

pub(crate) fn output_not_empty(name: &'static str) -> Failure {
    Failure::new(
        HUSH_RESULT_OUTPUT_NOT_EMPTY,
        format!("output `{name}` is not an empty hush_buffer: free it first"),
    )
}

/// Checks the listed arguments for NULL and listed output buffers for
/// emptiness, then runs the body under the panic boundary. See the module
/// documentation.
macro_rules! ffi_boundary {
    ($($arg:ident),* => $body:block) => {
        $crate::panic::run(|| -> ::core::result::Result<(), $crate::error::Failure> {
            $(
                if $crate::panic::NullCheck::is_null_arg(&$arg) {
                    return Err($crate::error::Failure::null_argument(stringify!($arg)));
                }
            )*
            {
                #[allow(unused_imports)]
                use $crate::panic::{NotAnOutputBuffer as _, OutputBuffer as _};
                $( (&$arg).check_output(stringify!($arg))?; )*
            }
            $body
        })
    };
}
pub(crate) use ffi_boundary;

// ----------------------------------------------------------------- poisoning

/// Whether any handle was ever poisoned: the fast path skips the lock.
static ANY_POISONED: AtomicBool = AtomicBool::new(false);
/// Addresses of poisoned handles.
static POISONED: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

thread_local! {
    /// Handles the running call on this thread borrowed mutably.
    static BORROWED_MUT: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn with_poisoned<T>(f: impl FnOnce(&mut HashSet<usize>) -> T) -> T {
    let mut guard = POISONED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(guard.get_or_insert_with(HashSet::new))
}

/// Refuses a handle a panicking call was modifying.
pub(crate) fn check_not_poisoned<T>(ptr: *const T, name: &'static str) -> Result<(), Failure> {
    if ANY_POISONED.load(Ordering::Acquire) && with_poisoned(|set| set.contains(&(ptr as usize))) {
        return Err(Failure::new(
            HUSH_RESULT_POISONED_HANDLE,
            format!("handle `{name}` was poisoned by an earlier panic; only its _free is allowed"),
        ));
    }
    Ok(())
}

/// Notes that the running call borrowed `ptr` mutably.
pub(crate) fn note_borrowed_mut<T>(ptr: *mut T) {
    let _ = BORROWED_MUT.try_with(|list| {
        if let Ok(mut list) = list.try_borrow_mut() {
            list.push(ptr as usize);
        }
    });
}

/// Forgets a handle that is being freed (its address may be reused).
pub(crate) fn forget_handle<T>(ptr: *mut T) {
    if ANY_POISONED.load(Ordering::Acquire) {
        with_poisoned(|set| set.remove(&(ptr as usize)));
    }
}

/// Takes the list of handles the running call borrowed mutably.
fn take_borrowed_mut() -> Vec<usize> {
    BORROWED_MUT
        .try_with(|list| {
            list.try_borrow_mut()
                .map(|mut l| std::mem::take(&mut *l))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

fn poison(handles: Vec<usize>) {
    if handles.is_empty() {
        return;
    }
    with_poisoned(|set| set.extend(handles));
    ANY_POISONED.store(true, Ordering::Release);
}

/// Runs `body` under `catch_unwind`, turning its outcome into a result code
/// and recording the message for `hush_last_error_message`.
pub(crate) fn run<F: FnOnce() -> Result<(), Failure>>(body: F) -> hush_result {
    // The closure only sees raw pointers and handles the caller lent us. If it
    // panics half-way, a handle may be left in an unspecified but memory-safe
    // state; such handles are poisoned below, so nothing can read them
    // again; hence AssertUnwindSafe.
    take_borrowed_mut();
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let borrowed = take_borrowed_mut();
    match outcome {
        Ok(Ok(())) => {
            set_last_error("");
            HUSH_RESULT_OK
        }
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.code
        }
        Err(payload) => {
            poison(borrowed);
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

    /// An export-shaped function with a buffer output.
    extern "C" fn probe_buffer(input: *const u8, out: *mut hush_buffer) -> hush_result {
        ffi_boundary!(input, out => {
            // SAFETY: the boundary checked `out`; the tests pass a live buffer.
            unsafe { crate::buffer::write_buffer(out, b"fresh") }
        })
    }

    #[test]
    fn a_non_empty_output_buffer_is_refused_before_the_body_runs() {
        let mut out = hush_buffer {
            ptr: std::ptr::null_mut(),
            len: 0,
        };
        assert_eq!(probe_buffer(b"x".as_ptr(), &mut out), HUSH_RESULT_OK);
        let (ptr, len) = (out.ptr, out.len);
        assert_eq!(len, 5);
        // Reusing the filled buffer: refused, untouched (so not leaked).
        assert_eq!(
            probe_buffer(b"x".as_ptr(), &mut out),
            HUSH_RESULT_OUTPUT_NOT_EMPTY
        );
        assert_eq!((out.ptr, out.len), (ptr, len));
        assert_eq!(
            last_message(),
            "output `out` is not an empty hush_buffer: free it first"
        );
        // SAFETY: `out` was filled by this library; freed once here.
        unsafe { crate::buffer::hush_buffer_free(&mut out) };
        assert_eq!(probe_buffer(b"x".as_ptr(), &mut out), HUSH_RESULT_OK);
        // SAFETY: as above.
        unsafe { crate::buffer::hush_buffer_free(&mut out) };
        // A NULL pointer with a stale length owns nothing and is accepted.
        out.len = 9;
        assert_eq!(probe_buffer(b"x".as_ptr(), &mut out), HUSH_RESULT_OK);
        // SAFETY: as above.
        unsafe { crate::buffer::hush_buffer_free(&mut out) };
    }

    /// A handle type for the poisoning tests.
    struct Counter(u32);

    /// Increments the counter, panicking half-way when asked to.
    extern "C" fn probe_mutate(counter: *mut Counter, panic_midway: bool) -> hush_result {
        ffi_boundary!(counter => {
            // SAFETY: the tests pass a live handle.
            let counter = unsafe { crate::args::borrow_mut(counter, "counter") }?;
            counter.0 += 1;
            if panic_midway {
                panic!("half-way");
            }
            counter.0 += 1;
            Ok(())
        })
    }

    /// Reads the counter.
    extern "C" fn probe_read(counter: *const Counter, out: *mut u32) -> hush_result {
        ffi_boundary!(counter, out => {
            // SAFETY: the tests pass a live handle and a writable u32.
            unsafe { *out = crate::args::borrow(counter, "counter")?.0 };
            Ok(())
        })
    }

    fn new_counter() -> *mut Counter {
        let mut handle = std::ptr::null_mut();
        // SAFETY: `handle` is writable.
        unsafe { crate::args::write_handle(&mut handle, Counter(0)) }.unwrap();
        handle
    }

    #[test]
    fn a_handle_that_saw_a_panic_refuses_every_call_but_free() {
        let healthy = new_counter();
        let victim = new_counter();
        let mut value = 0;
        assert_eq!(probe_mutate(victim, false), HUSH_RESULT_OK);
        assert_eq!(probe_read(victim, &mut value), HUSH_RESULT_OK);
        assert_eq!(value, 2);

        assert_eq!(probe_mutate(victim, true), HUSH_RESULT_PANIC);
        // Half-updated (3): never readable again.
        assert_eq!(probe_read(victim, &mut value), HUSH_RESULT_POISONED_HANDLE);
        assert_eq!(
            last_message(),
            "handle `counter` was poisoned by an earlier panic; only its _free is allowed"
        );
        assert_eq!(probe_mutate(victim, false), HUSH_RESULT_POISONED_HANDLE);
        assert_eq!(value, 2);
        // Other handles are unaffected.
        assert_eq!(probe_mutate(healthy, false), HUSH_RESULT_OK);
        assert_eq!(probe_read(healthy, &mut value), HUSH_RESULT_OK);
        assert_eq!(value, 2);

        // `_free` works and forgets the mark (the address may be reused).
        // SAFETY: both handles came from write_handle and are freed once.
        unsafe { crate::args::free_handle(victim) };
        let fresh = new_counter();
        assert_eq!(probe_read(fresh, &mut value), HUSH_RESULT_OK);
        assert_eq!(value, 0);
        // SAFETY: as above.
        unsafe {
            crate::args::free_handle(fresh);
            crate::args::free_handle(healthy);
        }
    }

    #[test]
    fn run_or_returns_the_default_on_panic() {
        assert_eq!(run_or(5, || -> i32 { panic!("no") }), 5);
        assert_eq!(run_or(5, || 6), 6);
    }
}
