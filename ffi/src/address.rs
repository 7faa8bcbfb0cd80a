//! `hush_protocol_address`: a device as the application names it.

use hush::address::{DeviceId, ProtocolAddress};

use crate::args::{borrow, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{hush_result, Failure, HUSH_RESULT_INVALID_ARGUMENT};
use crate::panic::ffi_boundary;

/// A device: a name (normally a service ID such as
/// `"9d0652a3-dcc3-4d11-975f-74d61598733f"` or `"PNI:…"`) and a device ID in
/// `1..=127`. Immutable once made.
///
/// Sessions bind each message to the sender's and recipient's addresses
/// when both names are service IDs; other names are accepted but bind
/// nothing.
#[allow(non_camel_case_types)]
pub struct hush_protocol_address(pub(crate) ProtocolAddress);

/// Makes an address from `name` (`name_len` bytes of UTF-8, no NUL needed)
/// and `device_id`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_DEVICE_ID` unless `device_id` is in `1..=127`;
/// `HUSH_RESULT_INVALID_ARGUMENT` if `name` is not UTF-8;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `name` is NULL with
/// `name_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `name` is valid for `name_len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_protocol_address_new(
    name: *const u8,
    name_len: usize,
    device_id: u32,
    out: *mut *mut hush_protocol_address,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `name` is valid for `name_len` bytes by contract.
        let name = unsafe { bytes(name, name_len, "name") }?;
        let name = std::str::from_utf8(name).map_err(|e| {
            Failure::new(HUSH_RESULT_INVALID_ARGUMENT, format!("`name` is not UTF-8 (invalid byte at offset {})", e.valid_up_to()))
        })?;
        let address = ProtocolAddress::new(name, DeviceId::new(device_id)?);
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_protocol_address(address)) }
    })
}

/// Writes the name (UTF-8, no NUL terminator) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `address` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `address` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_protocol_address_get_name(
    address: *const hush_protocol_address,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(address, out => {
        // SAFETY: `address` is a live handle by contract.
        let address = unsafe { borrow(address, "address") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, address.0.name().as_bytes()) }
    })
}

/// Writes the device ID (`1..=127`) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `address` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `address` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_protocol_address_get_device_id(
    address: *const hush_protocol_address,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(address, out => {
        // SAFETY: `address` is a live handle by contract.
        let address = unsafe { borrow(address, "address") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, address.0.device_id().get()) }
    })
}

/// Frees an address. NULL does nothing.
///
/// # Safety
/// `address` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_protocol_address_free(address: *mut hush_protocol_address) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(address) }
}

#[cfg(test)]
mod tests {
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::error::{HUSH_RESULT_INVALID_DEVICE_ID, HUSH_RESULT_NULL_ARGUMENT, HUSH_RESULT_OK};

    #[test]
    fn new_checks_device_id_utf8_and_pointers() {
        let sentinel = std::ptr::dangling_mut::<hush_protocol_address>();
        let mut out = sentinel;
        // SAFETY: every data pointer is valid for its length or NULL with a
        // length that the function must reject before reading.
        unsafe {
            assert_eq!(
                hush_protocol_address_new(b"alice".as_ptr(), 5, 0, &mut out),
                HUSH_RESULT_INVALID_DEVICE_ID
            );
            assert_eq!(
                hush_protocol_address_new(b"alice".as_ptr(), 5, 128, &mut out),
                HUSH_RESULT_INVALID_DEVICE_ID
            );
            assert_eq!(
                hush_protocol_address_new(b"\xff".as_ptr(), 1, 1, &mut out),
                HUSH_RESULT_INVALID_ARGUMENT
            );
            assert_eq!(
                hush_protocol_address_new(null(), 3, 1, &mut out),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_protocol_address_new(b"a".as_ptr(), 1, 1, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(out, sentinel, "output written on failure");

            assert_eq!(
                hush_protocol_address_new(b"alice".as_ptr(), 5, 127, &mut out),
                HUSH_RESULT_OK
            );
            let mut name = hush_buffer {
                ptr: null_mut(),
                len: 0,
            };
            let mut device = 0u32;
            assert_eq!(
                hush_protocol_address_get_name(out, &mut name),
                HUSH_RESULT_OK
            );
            assert_eq!(std::slice::from_raw_parts(name.ptr, name.len), b"alice");
            assert_eq!(
                hush_protocol_address_get_device_id(out, &mut device),
                HUSH_RESULT_OK
            );
            assert_eq!(device, 127);
            crate::buffer::hush_buffer_free(&mut name);
            hush_protocol_address_free(out);
            hush_protocol_address_free(null_mut());
        }
    }
}
