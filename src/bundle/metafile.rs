//! esbuild's metafile (`--metafile=meta.json`): what each output file was built from, used to
//! tell apart outputs whose names are equal once their hash is stripped. esbuild names every
//! shared chunk `chunk-<hash>.js`; the module that makes up most of a chunk names it stably
//! across builds (`chunks/chunk.js (preact.mjs)`), where size rank alone could swap two chunks.
//!
//! Schema: esbuild's `Metafile` type, https://esbuild.github.io/api/#metafile
//! (`outputs[path].inputs[path].bytesInOutput`, `outputs[path].entryPoint`).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{from_json, read_text, Error, Place, Result};

#[derive(Deserialize)]
struct RawMetafile {
    outputs: HashMap<String, RawOutput>,
}

#[derive(Deserialize)]
struct RawOutput {
    #[serde(default)]
    inputs: HashMap<String, RawInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawInput {
    bytes_in_output: u64,
}

/// For each output file name (with its hash), the file name of its largest input.
#[derive(Debug, Default, Clone)]
pub struct Metafile {
    main_input: HashMap<String, String>,
}

impl Metafile {
    pub fn load(path: &Path) -> Result<Metafile> {
        let text = read_text(path)?;
        if !text.contains("\"outputs\"") {
            return Err(Error::input(
                path,
                Place::Whole,
                "expected esbuild's metafile (`--metafile=FILE`), with `outputs`",
            ));
        }
        let raw: RawMetafile = from_json(path, &text)?;
        let mut main_input = HashMap::new();
        for (output, info) in raw.outputs {
            let name = file_name(&output);
            // Largest contribution first; the path breaks ties so the choice is stable.
            let main = info
                .inputs
                .iter()
                .max_by(|a, b| a.1.bytes_in_output.cmp(&b.1.bytes_in_output).then_with(|| b.0.cmp(a.0)));
            if let Some((input, _)) = main {
                main_input.insert(name.to_string(), file_name(input).to_string());
            }
        }
        Ok(Metafile { main_input })
    }

    /// The file name of the module that makes up most of the output `file`, if known.
    pub fn main_input(&self, file: &Path) -> Option<&str> {
        self.main_input.get(file.file_name()?.to_str()?).map(String::as_str)
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_chunks_are_named_by_their_main_module() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for (side, big, small) in
            [("base", "chunk-TPTXP56V.js", "chunk-UBYWNDPG.js"), ("pr", "chunk-XD5VBYEL.js", "chunk-AGUPWDTD.js")]
        {
            let meta = Metafile::load(&root.join(format!("fixtures/bundle/{side}/meta.json"))).unwrap();
            assert_eq!(meta.main_input(Path::new(big)), Some("preact.mjs"));
            assert_eq!(meta.main_input(Path::new(small)), Some("hooks.mjs"));
        }
    }

    #[test]
    fn other_json_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        std::fs::write(&path, r#"{"assets": []}"#).unwrap();
        assert!(Metafile::load(&path).unwrap_err().to_string().contains("esbuild's metafile"));
    }
}
