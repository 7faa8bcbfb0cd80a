//! Randomness: the OS by default, or a caller callback (`hush_rng`).

use std::ffi::{c_int, c_void};

use chacha20::ChaCha20Rng;
use getrandom::SysRng;
use hush::rand_core::{SeedableRng, TryRng};
use zeroize::Zeroizing;

use crate::args::{free_handle, write_handle};
use crate::error::{hush_result, Failure};
use crate::panic::ffi_boundary;

/// Fills `buf` with `len` cryptographically secure random bytes. Returns 0
/// on success and anything else on failure; hush then fails the call with
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE` before changing anything. hush asks
/// for one 32-byte seed per call and expands it with ChaCha20.
/// `ctx` is the pointer given to `hush_rng_new`. It is called on the thread
/// that made the hush call, never after `hush_rng_free`.
#[allow(non_camel_case_types)]
pub type hush_fill_random_callback =
    Option<unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int>;

/// A caller-supplied random source (a callback and its context).
///
/// Functions that need randomness take a `hush_rng *`; passing NULL there
/// means "use the operating system's generator" (`getrandom(2)` on Linux),
/// which is the right choice unless the platform lacks one or tests need
/// determinism.
#[allow(non_camel_case_types)]
pub struct hush_rng {
    fill: unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int,
    ctx: *mut c_void,
}

/// Makes a random source from a callback and an opaque context pointer,
/// which hush passes back to the callback unchanged and never frees.
///
/// Returns `HUSH_RESULT_OK` and writes the handle to `*out` (free it with
/// `hush_rng_free`); `HUSH_RESULT_NULL_ARGUMENT` if `fill` or `out` is
/// NULL (`ctx` may be NULL); `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `fill` must be safe to call with `ctx` and a buffer for as long as the
/// handle lives; `out` must be valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_rng_new(
    fill: hush_fill_random_callback,
    ctx: *mut c_void,
    out: *mut *mut hush_rng,
) -> hush_result {
    ffi_boundary!(fill, out => {
        let fill = fill.ok_or_else(|| Failure::null_argument("fill"))?;
        // SAFETY: `out` is non-NULL (checked above) and valid by contract.
        unsafe { write_handle(out, hush_rng { fill, ctx }) }
    })
}

/// Frees a random source. NULL does nothing. The context is not touched.
///
/// # Safety
/// `rng` must be NULL or a handle from `hush_rng_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn hush_rng_free(rng: *mut hush_rng) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(rng) }
}

/// Runs `f` with randomness from `rng` (NULL: the OS).
///
/// The source is asked for one 32-byte seed **before** `f` runs, and `f`
/// gets a ChaCha20 generator keyed by that seed (a standard CSPRNG
/// expansion). So a failing source fails the call before any state is read
/// or changed (`HUSH_RESULT_RANDOM_SOURCE_FAILURE`), and operations need no
/// copy of their state to roll back: the core draws all randomness before it
/// commits anything, and after the seed nothing here can fail.
pub(crate) unsafe fn with_rng<T>(
    rng: *mut hush_rng,
    f: impl FnOnce(&mut ChaCha20Rng) -> T,
) -> Result<T, Failure> {
    // SAFETY: the caller guarantees `rng` is NULL or live; the handle is only
    // read, so a shared reference suffices.
    let callback = unsafe { rng.cast_const().as_ref() };
    let mut seed = Zeroizing::new([0u8; 32]);
    let ok = match callback {
        None => SysRng.try_fill_bytes(&mut seed[..]).is_ok(),
        // SAFETY: the `hush_rng_new` contract makes `fill` callable with
        // `ctx`; `seed` is a valid, exclusive buffer of 32 bytes.
        Some(source) => unsafe { (source.fill)(source.ctx, seed.as_mut_ptr(), seed.len()) == 0 },
    };
    if !ok {
        return Err(Failure::random_source());
    }
    let mut expanded = ChaCha20Rng::from_seed(*seed);
    Ok(f(&mut expanded))
}

#[cfg(test)]
mod tests {
    use hush::rand_core::Rng;

    use super::*;
    use crate::error::{HUSH_RESULT_NULL_ARGUMENT, HUSH_RESULT_OK};

    struct Counter {
        calls: usize,
        fail_on_call: usize,
    }

    unsafe extern "C" fn counting(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int {
        // SAFETY: the tests pass a live `Counter` as ctx and hush passes a
        // valid buffer of `len` bytes.
        let (counter, buf) = unsafe {
            (
                &mut *ctx.cast::<Counter>(),
                std::slice::from_raw_parts_mut(buf, len),
            )
        };
        counter.calls += 1;
        if counter.calls == counter.fail_on_call {
            buf.fill(0xee); // a partial write the library must not use
            return -1;
        }
        buf.fill(counter.calls as u8);
        0
    }

    fn make(counter: &mut Counter) -> *mut hush_rng {
        let mut rng = std::ptr::null_mut();
        // SAFETY: `counting` is sound for a live Counter ctx; `rng` is writable.
        let rc =
            unsafe { hush_rng_new(Some(counting), std::ptr::from_mut(counter).cast(), &mut rng) };
        assert_eq!(rc, HUSH_RESULT_OK);
        rng
    }

    #[test]
    fn one_seed_from_the_callback_keys_the_generator() {
        let mut counter = Counter {
            calls: 0,
            fail_on_call: 0,
        };
        let rng = make(&mut counter);
        // SAFETY: `rng` is live until freed below.
        let drawn =
            unsafe { with_rng(rng, |source| (source.next_u32(), source.next_u64())) }.unwrap();
        let mut expected = ChaCha20Rng::from_seed([1u8; 32]);
        assert_eq!(drawn, (expected.next_u32(), expected.next_u64()));
        // SAFETY: freed once.
        unsafe { hush_rng_free(rng) };
        assert_eq!(
            counter.calls, 1,
            "one seed per call, however much the operation draws"
        );
    }

    #[test]
    fn a_failing_callback_fails_before_the_operation_runs() {
        let mut counter = Counter {
            calls: 0,
            fail_on_call: 1,
        };
        let rng = make(&mut counter);
        let mut ran = false;
        // SAFETY: `rng` is live until freed below.
        let result = unsafe { with_rng(rng, |_| ran = true) };
        assert_eq!(result.unwrap_err(), Failure::random_source());
        assert!(!ran, "the operation must not run on a failed source");
        // SAFETY: freed once.
        unsafe { hush_rng_free(rng) };
    }

    #[test]
    fn os_randomness_is_the_default() {
        // SAFETY: NULL selects the OS generator.
        let (a, b) =
            unsafe { with_rng(std::ptr::null_mut(), |s| (s.next_u64(), s.next_u64())) }.unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn new_rejects_null() {
        let mut rng = std::ptr::null_mut();
        // SAFETY: NULL arguments are reported, never used.
        unsafe {
            assert_eq!(
                hush_rng_new(None, std::ptr::null_mut(), &mut rng),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert!(rng.is_null());
            assert_eq!(
                hush_rng_new(Some(counting), std::ptr::null_mut(), std::ptr::null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            hush_rng_free(std::ptr::null_mut());
        }
    }
}
