//! `hush_buffer`: bytes the library allocated and the caller frees.

use zeroize::Zeroize;

use crate::error::Failure;

/// Bytes owned by the library: serialized keys and records, signatures,
/// shared secrets. The caller reads `len` bytes at `ptr` and releases them
/// with `hush_buffer_free`, which zeroizes them first.
///
/// An empty buffer is `{ NULL, 0 }`. A function that outputs a buffer
/// requires it to be empty: pass `hush_buffer b = {0};` or one already
/// freed. One that still owns bytes (`ptr` not NULL) is refused with
/// `HUSH_RESULT_OUTPUT_NOT_EMPTY` before anything is done, so a reused
/// buffer never leaks its (possibly secret) bytes unzeroized; free it and
/// call again.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug)]
pub struct hush_buffer {
    /// The first byte, or NULL when `len` is 0.
    pub ptr: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

impl hush_buffer {
    /// An exact-size copy of `bytes` (so no unzeroized spare capacity is
    /// ever left behind by a reallocation).
    fn copy_of(bytes: &[u8]) -> Self {
        if bytes.is_empty() {
            return Self {
                ptr: std::ptr::null_mut(),
                len: 0,
            };
        }
        let boxed: Box<[u8]> = Box::from(bytes);
        let len = boxed.len();
        Self {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }
}

/// Writes a copy of `bytes` to `*out` as a new buffer.
///
/// # Safety
/// `out` must be NULL or valid for reads and writes of an initialized
/// `hush_buffer`.
pub(crate) unsafe fn write_buffer(out: *mut hush_buffer, bytes: &[u8]) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null_argument("out"));
    }
    // The boundary already refused a listed non-empty output; this keeps the
    // rule for any output it was not told about.
    // SAFETY: `out` is non-NULL, valid and initialized by the caller's
    // guarantee.
    if unsafe { !(*out).ptr.is_null() } {
        return Err(crate::panic::output_not_empty("out"));
    }
    // SAFETY: `out` is non-NULL and valid for writes by the caller's guarantee.
    unsafe { out.write(hush_buffer::copy_of(bytes)) };
    Ok(())
}

/// Zeroizes and frees the bytes of `buf`, then sets it to `{ NULL, 0 }`.
/// Freeing an empty buffer or passing NULL does nothing, so freeing twice is
/// harmless.
///
/// # Safety
/// `buf` must be NULL or point to a `hush_buffer` that is empty or was filled
/// by this library and not modified since.
#[no_mangle]
pub unsafe extern "C" fn hush_buffer_free(buf: *mut hush_buffer) {
    crate::panic::run_or((), || {
        // SAFETY: the caller guarantees `buf` is NULL or a valid hush_buffer.
        let Some(buf) = (unsafe { buf.as_mut() }) else {
            return;
        };
        if !buf.ptr.is_null() {
            let raw = std::ptr::slice_from_raw_parts_mut(buf.ptr, buf.len);
            // SAFETY: `ptr` and `len` came from `Box::<[u8]>::into_raw` in
            // `copy_of` and are unmodified, so this rebuilds that box once.
            let mut bytes = unsafe { Box::from_raw(raw) };
            bytes.zeroize();
        }
        buf.ptr = std::ptr::null_mut();
        buf.len = 0;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_double_free() {
        let mut buf = hush_buffer {
            ptr: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: `buf` is a live hush_buffer.
        unsafe { write_buffer(&mut buf, b"secret") }.unwrap();
        assert_eq!(buf.len, 6);
        assert_eq!(
            // SAFETY: the buffer holds 6 initialised bytes.
            unsafe { std::slice::from_raw_parts(buf.ptr, buf.len) },
            b"secret"
        );
        // SAFETY: `buf` was filled by write_buffer; freeing twice is allowed.
        unsafe {
            hush_buffer_free(&mut buf);
            assert!(buf.ptr.is_null() && buf.len == 0);
            hush_buffer_free(&mut buf);
            hush_buffer_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn empty_input_gives_the_empty_buffer() {
        let mut buf = hush_buffer {
            ptr: std::ptr::null_mut(),
            len: 9,
        };
        // SAFETY: `buf` is a live hush_buffer.
        unsafe { write_buffer(&mut buf, b"") }.unwrap();
        assert!(buf.ptr.is_null());
        assert_eq!(buf.len, 0);
        // SAFETY: NULL output is reported, not written.
        assert!(unsafe { write_buffer(std::ptr::null_mut(), b"x") }.is_err());
    }
}
