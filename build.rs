//! Records the git commit the binary is built from, for `budgetgate --version`.
fn main() {
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
