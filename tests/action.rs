//! action.yml agrees with the binary: every input it declares is read by `budgetgate action`
//! and the other way round, and the image it names is this version's.

mod common;

use common::root;

fn action_yml() -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap()).unwrap()
}

#[test]
fn declared_inputs_are_exactly_the_ones_the_binary_reads() {
    let action = action_yml();
    let mut declared: Vec<String> =
        action["inputs"].as_mapping().unwrap().keys().map(|k| k.as_str().unwrap().to_string()).collect();
    declared.sort();
    // dry-run is a CLI convenience the action does not advertise.
    let read: Vec<String> =
        budgetgate::action::input_names().into_iter().filter(|n| *n != "dry-run").map(String::from).collect();
    assert_eq!(declared, read);
    for (name, input) in action["inputs"].as_mapping().unwrap() {
        assert!(input["description"].as_str().is_some_and(|d| !d.is_empty()), "{name:?} has a description");
        assert!(input.get("default").is_some(), "{name:?} has a default");
    }
    assert_eq!(action["inputs"]["github-token"]["default"], "${{ github.token }}");
}

#[test]
fn outputs_are_the_ones_the_binary_writes() {
    let action = action_yml();
    let mut outputs: Vec<&str> = action["outputs"].as_mapping().unwrap().keys().map(|k| k.as_str().unwrap()).collect();
    outputs.sort();
    assert_eq!(outputs, ["comment-url", "inconclusive", "report-json", "verdict", "violations", "warnings"]);
}

#[test]
fn the_image_is_this_version_and_the_token_is_not_an_argument() {
    let action = action_yml();
    assert_eq!(action["runs"]["using"], "docker");
    let image = action["runs"]["image"].as_str().unwrap();
    assert!(image.starts_with("docker://ghcr.io/"), "a prebuilt image, not a Dockerfile: {image}");
    assert!(
        image.ends_with(&format!(":{}", env!("CARGO_PKG_VERSION"))),
        "{image} is not version {}",
        env!("CARGO_PKG_VERSION")
    );
    let args = serde_yaml::to_string(&action["runs"]["args"]).unwrap();
    assert!(!args.contains("token"), "{args}");
}
