//! Records the git commit the binary is built from, for `budgetgate --version`; on x86_64 musl,
//! links the small-copy memcpy and memmove of `native/small_copy.c` (that file says why); on
//! musl, the allocator's options of `native/allocator_options.c`.
fn main() {
    small_routines_on_musl();
    allocator_options_on_musl();
    let commit = std::env::var("BUDGETGATE_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        std::process::Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
    });
    println!("cargo:rustc-env=BUDGETGATE_COMMIT={}", commit.unwrap_or_else(|| "unknown commit".into()));
    println!("cargo:rerun-if-env-changed=BUDGETGATE_COMMIT");
    for head in [".git/HEAD", ".git/refs/heads"] {
        if std::path::Path::new(head).exists() {
            println!("cargo:rerun-if-changed={head}");
        }
    }
}

/// `native/small_copy.c` and `native/small_compare.c` compiled and linked into every binary of
/// the package (the action's, and the tests' when they are built for musl), with every call of
/// memcpy, memmove and memcmp sent to them. Objects rather than a library: the linker takes all
/// of an object whatever the link order, and the standard library, linked after our code, calls
/// these routines too.
fn small_routines_on_musl() {
    println!("cargo:rerun-if-changed=native/small_copy.c");
    println!("cargo:rerun-if-changed=native/small_compare.c");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_ENV") != "musl" || target("CARGO_CFG_TARGET_ARCH") != "x86_64" {
        return;
    }
    let objects = cc::Build::new()
        .file("native/small_copy.c")
        .file("native/small_compare.c")
        .opt_level(2)
        .warnings(true)
        .flag("-ffreestanding")
        .flag("-fno-builtin")
        .flag_if_supported("-fno-tree-loop-distribute-patterns")
        .compile_intermediates();
    for object in objects {
        println!("cargo:rustc-link-arg={}", object.display());
    }
    println!("cargo:rustc-link-arg=-Wl,--wrap=memcpy");
    println!("cargo:rustc-link-arg=-Wl,--wrap=memmove");
    // The objects come after the C library on the linker's command line, and their calls of
    // the real memcpy and memmove reach it only if something before them pulled those in
    // (musl's memmove did, for memcpy, until memmove was wrapped too): the library again, last.
    println!("cargo:rustc-link-arg=-lc");
    println!("cargo:rustc-link-arg=-Wl,--wrap=memcmp");
}

/// `native/allocator_options.c` linked into the `budgetgate` binary built for musl, where
/// mimalloc is the allocator (Cargo.toml), compiled against the mimalloc.h of the
/// libmimalloc-sys build that is linked: its `links = "mimalloc"` hands its include directory
/// to the build scripts of the crates that depend on it directly, so the option is named, not
/// numbered.
fn allocator_options_on_musl() {
    println!("cargo:rerun-if-changed=native/allocator_options.c");
    if std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default() != "musl" {
        return;
    }
    let include = std::env::var("DEP_MIMALLOC_INCLUDE_DIR").expect("libmimalloc-sys gives its include directory");
    let objects = cc::Build::new()
        .file("native/allocator_options.c")
        .include(include)
        .opt_level(2)
        .warnings(true)
        .compile_intermediates();
    // The binaries only: they alone have mimalloc as their allocator (src/main.rs); the tests'
    // binaries keep the system's and do not link mimalloc at all.
    for object in objects {
        println!("cargo:rustc-link-arg-bins={}", object.display());
    }
}
