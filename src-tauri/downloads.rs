//! Files the app saves for staff — the activity CSV, the sticker sheet, a QR code — in the
//! person's Downloads folder, under a name that says what and when, and never over a file that is
//! already there.
//!
//! Which folder: `FRONTDOOR_DOWNLOAD_DIR` when set (tests point it at a temporary folder), else
//! the system's Downloads folder, else the home folder. The shell asks Tauri for the last two
//! (`lib.rs`); this module only chooses and writes, so plain tests drive it.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// The environment variable naming the folder saved files go to, overriding Downloads.
pub const DOWNLOAD_DIR_ENV: &str = "FRONTDOOR_DOWNLOAD_DIR";

/// How many names (`name.csv`, `name-2.csv`, …) are tried before giving up.
const MAX_TRIES: u32 = 1_000;

/// Why a file was not saved, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither a Downloads folder nor a home folder is known.
    #[error(
        "Frontdoor could not find your Downloads folder or your home folder to save the file in. \
         Set FRONTDOOR_DOWNLOAD_DIR to a folder you may write to, then try again."
    )]
    NoFolder,
    /// The folder could not be made or written.
    #[error(
        "The file could not be saved in {}: {source}. Check that the folder exists and that you may write \
         to it, then try again.",
        .dir.display()
    )]
    Write {
        /// The folder.
        dir: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Every name tried is taken.
    #[error(
        "{} already holds {MAX_TRIES} files named like {name}; move some of them away, then try again.",
        .dir.display()
    )]
    NoFreeName {
        /// The folder.
        dir: PathBuf,
        /// The first name tried.
        name: String,
    },
}

/// The folder saved files go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloads {
    dir: PathBuf,
}

impl Downloads {
    /// Files go to `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Downloads {
        Downloads { dir: dir.into() }
    }

    /// The folder to use: `chosen` (the value of [`DOWNLOAD_DIR_ENV`]) when set and not empty,
    /// else the system's `downloads` folder, else `home`.
    pub fn choose(
        chosen: Option<OsString>,
        downloads: Option<PathBuf>,
        home: Option<PathBuf>,
    ) -> Result<Downloads, Error> {
        chosen
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or(downloads)
            .or(home)
            .map(Downloads::at)
            .ok_or(Error::NoFolder)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves `bytes` as `<stem>.<extension>`, or as `<stem>-2.<extension>`, `-3`, … when that
    /// name is taken: an existing file is never replaced. The folder is made when missing. A file
    /// that could not be written whole is removed. Answers where it went.
    pub fn save(&self, stem: &str, extension: &str, bytes: &[u8]) -> Result<PathBuf, Error> {
        let failed = |source| Error::Write {
            dir: self.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(failed)?;
        for n in 1..=MAX_TRIES {
            let name = match n {
                1 => format!("{stem}.{extension}"),
                n => format!("{stem}-{n}.{extension}"),
            };
            let path = self.dir.join(name);
            // `create_new` fails if anything is at that name, atomically: two saves at the same
            // moment never write into one file.
            let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(failed(e)),
            };
            if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
                drop(file);
                let _ = std::fs::remove_file(&path);
                return Err(failed(e));
            }
            return Ok(path);
        }
        Err(Error::NoFreeName {
            dir: self.dir.clone(),
            name: format!("{stem}.{extension}"),
        })
    }
}

/// `text` fit for a file name: ASCII letters and digits, `-` and `_` kept, anything else made a
/// `-`; at most 40 characters.
pub fn name_part(text: &str) -> String {
    text.chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A moment (Unix seconds) for a file name, in UTC: `20261123-090000Z`.
pub fn stamp(unix_seconds: i64) -> String {
    match jiff::Timestamp::from_second(unix_seconds) {
        Ok(t) => t.strftime("%Y%m%d-%H%M%SZ").to_string(),
        Err(_) => unix_seconds.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_then_downloads_then_home() {
        let check = |chosen: Option<&str>, downloads: Option<&str>, home: Option<&str>, expected: Option<&str>| {
            let got = Downloads::choose(
                chosen.map(OsString::from),
                downloads.map(PathBuf::from),
                home.map(PathBuf::from),
            );
            assert_eq!(
                got.ok().map(|d| d.dir().to_path_buf()),
                expected.map(PathBuf::from),
                "{chosen:?} {downloads:?} {home:?}"
            );
        };
        check(
            Some("/tmp/x"),
            Some("/home/a/Downloads"),
            Some("/home/a"),
            Some("/tmp/x"),
        );
        check(
            Some(""),
            Some("/home/a/Downloads"),
            Some("/home/a"),
            Some("/home/a/Downloads"),
        );
        check(None, None, Some("/home/a"), Some("/home/a"));
        check(None, None, None, None);
    }

    #[test]
    fn a_second_save_under_the_same_name_never_replaces_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let downloads = Downloads::at(dir.path().join("made"));
        let first = downloads.save("frontdoor-activity", "csv", b"one").unwrap();
        let second = downloads.save("frontdoor-activity", "csv", b"two").unwrap();
        assert_eq!(first.file_name().unwrap(), "frontdoor-activity.csv");
        assert_eq!(second.file_name().unwrap(), "frontdoor-activity-2.csv");
        assert_eq!(std::fs::read(&first).unwrap(), b"one", "the first file is as it was");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
    }

    #[test]
    fn names_hold_only_safe_characters() {
        assert_eq!(name_part("front door/../x"), "front-door----x");
        assert_eq!(name_part("lighthouse"), "lighthouse");
        assert_eq!(name_part(&"a".repeat(60)).len(), 40);
        assert_eq!(stamp(1_795_424_400), "20261123-090000Z");
    }
}
