//! Runtime options that are not about limits: the assembly allow-list and extensions.

use interop_runtime::RuntimeOptions;
use interop_testkit::{Invoke, MemoryClient, WireClient, WireClientExt};

#[test]
fn only_allowed_assemblies_can_be_called() {
    let mut client =
        MemoryClient::new(RuntimeOptions::default().allowed_assemblies(Some(["Elsewhere"])));
    assert_eq!(
        client.call(Invoke::r#static("Conformance", "Echo", r#"["hi"]"#)),
        (
            false,
            "There is no loaded assembly with the name 'Conformance'.".to_owned()
        )
    );
    let mut open =
        MemoryClient::new(RuntimeOptions::default().allowed_assemblies(None::<Vec<String>>));
    assert_eq!(
        open.call(Invoke::r#static("Conformance", "Echo", r#"["hi"]"#)),
        (true, r#""hi""#.to_owned())
    );
    let mut listed = MemoryClient::new(
        RuntimeOptions::default().allowed_assemblies(Some(vec!["Conformance".to_owned()])),
    );
    assert_eq!(
        listed.call(Invoke::r#static("Conformance", "Echo", r#"["hi"]"#)),
        (true, r#""hi""#.to_owned())
    );
}

#[test]
fn extensions_are_per_runtime_and_typed() {
    struct User(&'static str);
    let first = MemoryClient::new(RuntimeOptions::default());
    let second = MemoryClient::new(RuntimeOptions::default());
    first.runtime().insert_extension(User("amy"));
    assert_eq!(
        first.runtime().extension::<User>().map(|user| user.0),
        Some("amy")
    );
    assert!(second.runtime().extension::<User>().is_none());
    assert!(first.runtime().extension::<String>().is_none());
    first.runtime().insert_extension(User("rory"));
    assert_eq!(
        first.runtime().extension::<User>().map(|user| user.0),
        Some("rory")
    );
}
