//! The app's preferences: stored beside the library, kept across reopening and logging out.

use crate::support::TestLibrary;

#[test]
fn preferences_survive_reopening_and_forgetting_the_cloud() {
    let t = TestLibrary::new();
    assert_eq!(t.library.preference("app").expect("read"), None);
    t.library
        .set_preference("app", r#"{"theme":"dark"}"#)
        .expect("write");
    t.library
        .set_preference("app", r#"{"theme":"light"}"#)
        .expect("replace");
    t.library.forget_cloud().expect("log out");
    let reopened =
        tonearm_library::Library::open(&t.dir.path().join("data"), &t.dir.path().join("cache"))
            .expect("reopens");
    assert_eq!(
        reopened.preference("app").expect("read").as_deref(),
        Some(r#"{"theme":"light"}"#)
    );
}
