//! The desktop's `frontdoor://` handler on Linux: the `.desktop` file and the default-handler
//! entry that `tauri-plugin-deep-link`'s `register_all` writes. Registering runs
//! `update-desktop-database` and the `xdg-mime` shell script, which cost this machine about half
//! a second of its two cores at every start, competing with WebKit starting the window; so the
//! app registers only when what is on disk no longer says this binary handles the scheme.

use std::path::Path;

/// Whether `handler` (the `.desktop` file's text) starts `exe` for `scheme` and `mimeapps`
/// (the text of `mimeapps.list`) names that file as the scheme's default handler.
pub fn is_current(handler: &str, mimeapps: &str, exe: &str, file_name: &str, scheme: &str) -> bool {
    let mime = format!("x-scheme-handler/{scheme}");
    let exec = format!("Exec=\"{exe}\" %u");
    let handles = handler.lines().any(|l| l.trim() == exec)
        && handler
            .lines()
            .filter_map(|l| l.trim().strip_prefix("MimeType="))
            .any(|types| types.split(';').any(|t| t.trim() == mime));
    let mut defaults = false;
    let mut is_default = false;
    for line in mimeapps.lines().map(str::trim) {
        if line.starts_with('[') {
            defaults = line == "[Default Applications]";
        } else if defaults {
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == mime {
                    // The first entry of the list is the default.
                    is_default = value.split(';').next().map(str::trim) == Some(file_name);
                }
            }
        }
    }
    handles && is_default
}

/// [`is_current`] for the files on disk: `data_dir/applications/<file_name>` and
/// `config_dir/mimeapps.list`. A file that cannot be read is not current.
pub fn is_current_on_disk(data_dir: &Path, config_dir: &Path, exe: &str, file_name: &str, scheme: &str) -> bool {
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    match (
        read(&data_dir.join("applications").join(file_name)),
        read(&config_dir.join("mimeapps.list")),
    ) {
        (Some(handler), Some(mimeapps)) => is_current(&handler, &mimeapps, exe, file_name, scheme),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
