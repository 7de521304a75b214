//! The console's QR tab in the shell: the space's join code and every door's sticker code as the
//! hub draws them, and the codes and the printable sticker sheet saved to Downloads.

use std::sync::Arc;

use frontdoor_core::console::{self as admin, AccessSetup};
use frontdoor_core::links;
use frontdoor_ipc::{DoorCodeDto, QrCodesDto, SavedFileDto};
use reqwest::Method;

use crate::downloads::{self, Downloads};
use crate::frontdoor::{Error, Frontdoor};

/// Paper the sticker sheet is made for, as the hub names it.
const PAPERS: &[&str] = &["a4", "letter"];

fn door_code_path(door: &str) -> String {
    format!("api/v1/admin/qr/doors/{}.svg", admin::segment(door))
}

fn text(bytes: Vec<u8>, what: &str) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|_| {
        Error::Internal(format!(
            "the hub sent a {what} that is not text. Reload the tab; if it stays, check that the hub is up to date."
        ))
    })
}

impl Frontdoor {
    /// The join code and one code per door, drawn by the hub (SVG), with the join link in words.
    pub async fn qr_codes(self: &Arc<Self>) -> Result<QrCodesDto, Error> {
        let space = self.signed_in_space()?;
        let setup: AccessSetup = self.admin(Method::GET, "api/v1/admin/access", None).await?;
        let join_svg = text(
            self.admin_file(&self.http, "api/v1/admin/qr/join.svg").await?,
            "join code",
        )?;
        let mut doors = Vec::with_capacity(setup.doors.len());
        for door in setup.doors {
            let svg = text(
                self.admin_file(&self.http, &door_code_path(&door.id)).await?,
                "door code",
            )?;
            doors.push(DoorCodeDto {
                door: door.id,
                name: door.name,
                svg,
            });
        }
        // The join page, as the hub writes it into the code, from the address this app reaches
        // the hub at: it opens in any phone's browser and hands over to the app.
        let join_link = links::join_page(&space.hub, &space.subdomain).to_string();
        Ok(QrCodesDto {
            join_link,
            join_svg,
            doors,
        })
    }

    /// Saves the printable sticker sheet for `paper` (`a4` or `letter`) into `to`.
    pub async fn save_sticker_sheet(self: &Arc<Self>, paper: &str, to: &Downloads) -> Result<SavedFileDto, Error> {
        let space = self.signed_in_space()?;
        let paper = paper.trim().to_ascii_lowercase();
        // Anything else is the hub's to refuse (with words for `paper`); only known names go into
        // the file name.
        let path = format!("api/v1/admin/qr/stickers?paper={}", admin::segment(&paper));
        let page = self.admin_file(&self.http, &path).await?;
        let label = if PAPERS.contains(&paper.as_str()) {
            paper.as_str()
        } else {
            "sheet"
        };
        let stem = format!(
            "frontdoor-stickers-{}-{label}-{}",
            downloads::name_part(&space.subdomain.to_string()),
            downloads::stamp((self.settings.now)())
        );
        self.save_file(to, &stem, "html", &page)
    }

    /// Saves one code as SVG into `to`: a door's sticker code, or the join code when `door` is
    /// `None`.
    pub async fn save_qr_code(self: &Arc<Self>, door: Option<&str>, to: &Downloads) -> Result<SavedFileDto, Error> {
        let space = self.signed_in_space()?;
        let subdomain = downloads::name_part(&space.subdomain.to_string());
        let when = downloads::stamp((self.settings.now)());
        let (path, stem) = match door {
            Some(door) => (
                door_code_path(door),
                format!("frontdoor-door-{subdomain}-{}-{when}", downloads::name_part(door)),
            ),
            None => (
                "api/v1/admin/qr/join.svg".to_string(),
                format!("frontdoor-join-{subdomain}-{when}"),
            ),
        };
        let svg = self.admin_file(&self.http, &path).await?;
        self.save_file(to, &stem, "svg", &svg)
    }
}
