use super::*;

const HANDLER: &str = "[Desktop Entry]\nType=Application\nName=Frontdoor\nExec=\"/opt/frontdoor/frontdoor\" %u\n\
                       Terminal=false\nMimeType=x-scheme-handler/frontdoor\nNoDisplay=true\n";
const DEFAULTS: &str = "\n[Default Applications]\nx-scheme-handler/frontdoor=frontdoor-handler.desktop\n";

fn current(handler: &str, mimeapps: &str, exe: &str) -> bool {
    is_current(handler, mimeapps, exe, "frontdoor-handler.desktop", "frontdoor")
}

#[test]
fn a_handler_written_for_this_binary_and_named_the_default_is_left_alone() {
    assert!(current(HANDLER, DEFAULTS, "/opt/frontdoor/frontdoor"));
    let among_others = "[Added Associations]\nx-scheme-handler/frontdoor=other.desktop\n\n[Default Applications]\n\
                        text/html=firefox.desktop\nx-scheme-handler/frontdoor=frontdoor-handler.desktop;other.desktop;\n";
    assert!(current(HANDLER, among_others, "/opt/frontdoor/frontdoor"));
}

#[test]
fn a_moved_binary_another_default_or_a_missing_entry_registers_again() {
    assert!(!current(HANDLER, DEFAULTS, "/usr/bin/frontdoor"), "the app moved");
    let taken = "[Default Applications]\nx-scheme-handler/frontdoor=other.desktop;frontdoor-handler.desktop\n";
    assert!(
        !current(HANDLER, taken, "/opt/frontdoor/frontdoor"),
        "another app is the default"
    );
    let elsewhere = "[Added Associations]\nx-scheme-handler/frontdoor=frontdoor-handler.desktop\n";
    assert!(
        !current(HANDLER, elsewhere, "/opt/frontdoor/frontdoor"),
        "only added, not the default"
    );
    assert!(!current(HANDLER, "", "/opt/frontdoor/frontdoor"));
    let other_scheme = HANDLER.replace("x-scheme-handler/frontdoor", "x-scheme-handler/other");
    assert!(!current(&other_scheme, DEFAULTS, "/opt/frontdoor/frontdoor"));
}

#[test]
fn files_that_cannot_be_read_are_not_current() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!is_current_on_disk(
        dir.path(),
        dir.path(),
        "/x",
        "frontdoor-handler.desktop",
        "frontdoor"
    ));
    std::fs::create_dir_all(dir.path().join("applications")).unwrap();
    std::fs::write(dir.path().join("applications/frontdoor-handler.desktop"), HANDLER).unwrap();
    std::fs::write(dir.path().join("mimeapps.list"), DEFAULTS).unwrap();
    assert!(is_current_on_disk(
        dir.path(),
        dir.path(),
        "/opt/frontdoor/frontdoor",
        "frontdoor-handler.desktop",
        "frontdoor"
    ));
}
