//! Every claim of `SECURITY.md` names the test that proves it, as `path/to/file.rs::test_name`
//! (paths from the repository's root). This test reads the document and fails if a named test
//! does not exist in its file, is not a test, or is ignored.
//!
//! A test is a function with `#[test]` or `#[tokio::test…]` among the attributes above it, or a
//! case of the conformance suite (a function of `interop-testkit/src/conformance/` listed in
//! its case list, which every host runs as a test, or every host with the capability it needs).

use std::path::{Path, PathBuf};

/// The directory of the conformance cases and the file holding their list.
const CONFORMANCE_DIR: &str = "interop-testkit/src/conformance/";
const CONFORMANCE_LIST: &str = "interop-testkit/src/conformance/mod.rs";

/// How many tests the document names at least (a guard against a reader that finds none).
const AT_LEAST: usize = 20;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the examples crate is in the repository")
        .to_path_buf()
}

/// Every `path.rs::name` (or `path.rs::module::name`) in `text`: the path and the function's
/// name (the last segment).
fn named_tests(text: &str) -> Vec<(String, String)> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || "_-./".contains(c);
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut found = Vec::new();
    for (at, _) in text.match_indices(".rs::") {
        let start = text[..at]
            .rfind(|c: char| !path_char(c))
            .map_or(0, |index| index + 1);
        let after = &text[at + ".rs::".len()..];
        let end = after.find(|c: char| !name_char(c)).unwrap_or(after.len());
        let path = format!("{}.rs", &text[start..at]);
        let name = after[..end]
            .trim_end_matches(':')
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_owned();
        found.push((path, name));
    }
    found
}

/// Why `name` in the source `source` (of `path`) is not a test that runs, or `None`.
fn not_a_running_test(
    path: &str,
    source: &str,
    name: &str,
    conformance_list: &str,
) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let needle = format!("fn {name}(");
    let Some(line) = lines.iter().position(|line| {
        line.find(&needle)
            .is_some_and(|at| at == 0 || line[..at].ends_with(' '))
    }) else {
        return Some(format!("{path} has no function {name}"));
    };
    // The attributes and doc comments right above the function.
    let attributes: Vec<&str> = lines[..line]
        .iter()
        .rev()
        .map(|line| line.trim())
        .take_while(|line| line.starts_with("#[") || line.starts_with("//"))
        .filter(|line| line.starts_with("#["))
        .collect();
    if attributes
        .iter()
        .any(|attribute| attribute.starts_with("#[ignore"))
    {
        return Some(format!("{path}::{name} is ignored"));
    }
    let is_test = attributes.iter().any(|attribute| {
        attribute.starts_with("#[test]") || attribute.starts_with("#[tokio::test")
    });
    let is_case = path.starts_with(CONFORMANCE_DIR)
        && conformance_list
            .lines()
            .map(str::trim)
            .any(|line| line == format!("{name},") || line.starts_with(&format!("{name} needs ")));
    if is_test || is_case {
        None
    } else {
        Some(format!("{path}::{name} is not a test"))
    }
}

#[test]
fn every_test_security_md_names_exists_and_is_not_ignored() {
    let root = repository();
    let document =
        std::fs::read_to_string(root.join("SECURITY.md")).expect("SECURITY.md at the root");
    let conformance_list =
        std::fs::read_to_string(root.join(CONFORMANCE_LIST)).expect("the conformance case list");
    let named = named_tests(&document);
    assert!(
        named.len() >= AT_LEAST,
        "SECURITY.md names {} tests; it should name the test of every claim",
        named.len()
    );
    let problems: Vec<String> = named
        .iter()
        .filter_map(
            |(path, name)| match std::fs::read_to_string(root.join(path)) {
                Err(error) => Some(format!("{path} (named with {name}): {error}")),
                Ok(source) => not_a_running_test(path, &source, name, &conformance_list),
            },
        )
        .collect();
    assert!(
        problems.is_empty(),
        "SECURITY.md names tests that do not run:\n{}",
        problems.join("\n")
    );
}

/// The checker itself: what it reads from a document and what it refuses.
#[test]
fn the_checker_finds_names_and_refuses_missing_ignored_and_plain_functions() {
    assert_eq!(
        named_tests("proved by `a/b-c/d.rs::first_test`, and (x/y.rs::tests::second)."),
        vec![
            ("a/b-c/d.rs".to_owned(), "first_test".to_owned()),
            ("x/y.rs".to_owned(), "second".to_owned())
        ]
    );
    let source = "\
#[test]
fn runs() {}

#[tokio::test(flavor = \"multi_thread\")]
#[ignore = \"slow\"]
async fn ignored() {}

/// Documented.
#[tokio::test]
async fn documented() {}

fn helper() {}
fn runs_too_long_a_name() {}
";
    let check = |name| not_a_running_test("t.rs", source, name, "");
    assert_eq!(check("runs"), None);
    assert_eq!(check("documented"), None);
    assert_eq!(
        check("ignored"),
        Some("t.rs::ignored is ignored".to_owned())
    );
    assert_eq!(
        check("helper"),
        Some("t.rs::helper is not a test".to_owned())
    );
    assert_eq!(
        check("missing"),
        Some("t.rs has no function missing".to_owned())
    );
    let case = "pub fn a_case(factory: &Factory) {}\n";
    let path = "interop-testkit/src/conformance/limits.rs";
    assert_eq!(
        not_a_running_test(path, case, "a_case", "  a_case,\n"),
        None
    );
    assert!(not_a_running_test(path, case, "a_case", "  other_case,\n").is_some());
}
