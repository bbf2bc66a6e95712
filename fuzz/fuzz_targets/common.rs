// Shared by the targets: one scratch folder per fuzzing process, and the input written to a
// file in it, since budgetgate reads its inputs from files (names matter: detection and
// messages use them).
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a scratch folder"));
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write the input");
    path
}
