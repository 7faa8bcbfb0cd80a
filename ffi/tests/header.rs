//! Keeps `include/hush.h` equal to what the pinned cbindgen generates from
//! `ffi/src` with `ffi/cbindgen.toml`, and its version macros equal to the
//! crate version.
//!
//! After changing the C API: `HUSH_BLESS_HEADER=1 cargo test -p hush-ffi --test header`.

use std::path::{Path, PathBuf};

fn ffi_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    ffi_dir().join("..").join("include").join("hush.h")
}

fn generate() -> Vec<u8> {
    let config = cbindgen::Config::from_file(ffi_dir().join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate_and_name(ffi_dir(), "hush-ffi")
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    out
}

#[test]
fn header_is_current() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("HUSH_BLESS_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write include/hush.h");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    if committed != generated {
        let old = String::from_utf8_lossy(&committed);
        let new = String::from_utf8_lossy(&generated);
        let first = old
            .lines()
            .zip(new.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(old.lines().count().min(new.lines().count()));
        panic!(
            "include/hush.h is stale (first difference at line {}).\n  committed: {:?}\n  generated: {:?}\n\
             Regenerate with: HUSH_BLESS_HEADER=1 cargo test -p hush-ffi --test header",
            first + 1,
            old.lines().nth(first),
            new.lines().nth(first),
        );
    }
}

fn define(header: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    let line = header
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("include/hush.h lacks {name}"));
    line[prefix.len()..].trim().to_owned()
}

#[test]
fn version_macros_match_the_crate_version() {
    let header = std::fs::read_to_string(header_path()).expect("read include/hush.h");
    assert_eq!(
        define(&header, "HUSH_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert_eq!(
        define(&header, "HUSH_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    assert_eq!(
        define(&header, "HUSH_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION_PATCH")
    );
    assert_eq!(
        define(&header, "HUSH_VERSION_STRING"),
        format!("\"{}\"", env!("CARGO_PKG_VERSION"))
    );
}

/// The three places a release number lives agree: the workspace
/// `Cargo.toml` (read as text here, not through Cargo's environment), the
/// header's macros, and what the library reports at run time. The installed
/// library's SONAME follows from the same number (scripts/test-install.sh).
#[test]
fn cargo_toml_header_and_hush_version_agree() {
    let manifest = std::fs::read_to_string(ffi_dir().join("..").join("Cargo.toml"))
        .expect("read the workspace Cargo.toml");
    let workspace_package = manifest
        .split("[workspace.package]")
        .nth(1)
        .expect("Cargo.toml has [workspace.package]");
    let version_line = workspace_package
        .lines()
        .find(|line| line.trim_start().starts_with("version"))
        .expect("[workspace.package] sets a version");
    let cargo_version = version_line.split('"').nth(1).expect("version = \"...\"");

    let header = std::fs::read_to_string(header_path()).expect("read include/hush.h");
    let from_macros = format!(
        "{}.{}.{}",
        define(&header, "HUSH_VERSION_MAJOR"),
        define(&header, "HUSH_VERSION_MINOR"),
        define(&header, "HUSH_VERSION_PATCH")
    );
    assert_eq!(from_macros, cargo_version);
    assert_eq!(
        define(&header, "HUSH_VERSION_STRING"),
        format!("\"{cargo_version}\"")
    );

    // SAFETY: hush_version returns a static NUL-terminated string.
    let runtime = unsafe { std::ffi::CStr::from_ptr(hush_ffi::hush_version()) };
    assert_eq!(runtime.to_str().expect("ASCII"), cargo_version);
}

/// Every function of the C API says what it returns: each one returning a
/// `hush_result` lists its codes (at least `HUSH_RESULT_OK` and, since any
/// export can report a bug, `HUSH_RESULT_PANIC`), and each other non-void
/// function says what its value is.
#[test]
fn every_function_documents_its_result_codes() {
    let header = std::fs::read_to_string(header_path()).expect("read include/hush.h");
    let mut undocumented = Vec::new();
    let mut checked = 0;
    let mut rest = header.as_str();
    while let Some(start) = rest.find("/**") {
        let after = &rest[start..];
        let end = after.find("*/").expect("comment closes");
        let doc = &after[..end];
        let following = after[end + 2..].trim_start();
        let declaration = following.lines().next().unwrap_or("");
        rest = &after[end + 2..];
        if declaration.starts_with("#define")
            || declaration.starts_with("typedef")
            || declaration.starts_with("void ")
        {
            continue; // a constant, a type, or a function without a result
        }
        // `hush_result hush_x(`, `const char *hush_version(`: the name is
        // the last word before the parenthesis.
        let Some(name) = declaration.find('(').and_then(|paren| {
            let head = &declaration[..paren];
            let start = head.rfind([' ', '*']).map_or(0, |at| at + 1);
            head[start..].starts_with("hush_").then_some(&head[start..])
        }) else {
            continue; // a struct field or other non-function
        };
        checked += 1;
        let ok = if declaration.starts_with("hush_result ") {
            doc.contains("HUSH_RESULT_OK") && doc.contains("HUSH_RESULT_PANIC")
        } else {
            doc.contains("Returns")
        };
        if !ok {
            undocumented.push(name.to_owned());
        }
    }
    assert!(
        checked > 100,
        "only {checked} functions found in include/hush.h"
    );
    assert!(
        undocumented.is_empty(),
        "functions whose doc comment does not list their result codes: {undocumented:?}"
    );
}
