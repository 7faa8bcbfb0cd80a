//! Turning C arguments into Rust values, and handing handles back.
//!
//! Every handle type is a plain Rust value behind a `Box`: `_new`,
//! `_generate`, `_deserialize` and `_get_*` functions write a fresh handle
//! the caller owns and frees with the matching `_free`. No function returns a
//! borrowed handle.
//!
//! The helpers still return `HUSH_RESULT_NULL_ARGUMENT` for NULL even though
//! `ffi_boundary!` checks listed arguments first, so a pointer missing from
//! the list is caught rather than dereferenced.

use crate::error::{Failure, HUSH_RESULT_INVALID_ARGUMENT};

/// Borrows a handle the caller passed in.
///
/// # Safety
/// `ptr` must be NULL or point to a live value of type `T` made by this
/// library, not mutated elsewhere for the duration of the call.
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Failure> {
    crate::panic::check_not_poisoned(ptr, name)?;
    // SAFETY: the caller guarantees `ptr` is NULL or valid; `as_ref` maps NULL
    // to None.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null_argument(name))
}

/// Borrows a handle the caller passed in for mutation.
///
/// # Safety
/// `ptr` must be NULL or point to a live value of type `T` made by this
/// library, not accessed elsewhere for the duration of the call.
pub(crate) unsafe fn borrow_mut<'a, T>(
    ptr: *mut T,
    name: &'static str,
) -> Result<&'a mut T, Failure> {
    crate::panic::check_not_poisoned(ptr, name)?;
    crate::panic::note_borrowed_mut(ptr);
    // SAFETY: the caller guarantees `ptr` is NULL or valid and unaliased;
    // `as_mut` maps NULL to None.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null_argument(name))
}

/// Views `len` bytes at `ptr` as a slice. A NULL `ptr` with `len == 0` is the
/// empty slice; NULL with a non-zero length is `HUSH_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// Unless `len` is 0, `ptr` must be NULL or valid for reads of `len` bytes
/// that are not written during the call.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null_argument(name));
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            HUSH_RESULT_INVALID_ARGUMENT,
            format!("length of `{name}` exceeds PTRDIFF_MAX"),
        ));
    }
    // SAFETY: `ptr` is non-NULL and, by the caller's guarantee, valid for
    // `len` bytes; `len` fits in isize as `from_raw_parts` requires.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Moves `value` into a new handle written to `*out`.
///
/// # Safety
/// `out` must be NULL or valid for a pointer-sized write.
pub(crate) unsafe fn write_handle<T>(out: *mut *mut T, value: T) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null_argument("out"));
    }
    // SAFETY: `out` is non-NULL and valid for writes by the caller's guarantee.
    unsafe { out.write(Box::into_raw(Box::new(value))) };
    Ok(())
}

/// Writes a plain value to `*out`.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn write_value<T: Copy>(out: *mut T, value: T) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null_argument("out"));
    }
    // SAFETY: `out` is non-NULL and valid for writes by the caller's guarantee.
    unsafe { out.write(value) };
    Ok(())
}

/// Drops a handle made by [`write_handle`]; NULL does nothing.
///
/// # Safety
/// `ptr` must be NULL or a handle of type `T` from this library that has not
/// been freed.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    crate::panic::run_or((), || {
        if !ptr.is_null() {
            crate::panic::forget_handle(ptr);
            // SAFETY: `ptr` came from `Box::into_raw` in `write_handle` and is
            // freed once, by the caller's guarantee.
            drop(unsafe { Box::from_raw(ptr) });
        }
    });
}
