//! The staff console in the app: loads the hub's admin views and sends the staff's changes, with
//! the device's hub session. The hub decides who is staff and refuses everyone else; the app
//! only shows the console to people the hub says are staff.
//!
//! The hub's console types are defined once, in `frontdoor-ipc` (re-exported by
//! `frontdoor_core::console`): the app hands the hub's answers to the UI as they are, with no
//! conversion between Rust types and no enum carried as a string.
//!
//! The tabs that load on their own when opened live beside this file: [`activity`],
//! [`check_ins`] and [`qr`]; [`fleet`] talks to the operator's fleet instead of the hub. Files staff save from them go through [`crate::downloads`].

mod activity;
mod check_ins;
mod doors;
pub mod fleet;
mod qr;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use frontdoor_core::console::{
    self as admin, AccessSetup, CobotConnection, ConnectRequest, ConnectStarted, ExtraGroupsChange,
    ExtraGroupsOfMember, GroupChange, GroupSetup, IntervalChange, MemberRow, PlanChange, SetupChange, SyncPanel,
};
use frontdoor_core::hub::Code;
use frontdoor_ipc::{ConsoleView, ErrorDto, RedirectKind, SavedFileDto, SyncPhase, SyncProgress};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use crate::downloads::Downloads;
use crate::frontdoor::{Error, Frontdoor, DEEP_LINK_REDIRECT};

/// The most the app keeps in memory of one file from the hub: a whole activity export (at most
/// 100,000 rows) fits; a QR code or a sticker sheet is far smaller.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// How many saved files the app remembers for opening.
const REMEMBERED_FILES: usize = 100;

impl Frontdoor {
    /// Calls the hub's admin API for the current space with the device's session.
    async fn admin<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, Error> {
        let space = self.signed_in_space()?;
        let hub_url = &space.hub;
        let result = self
            .with_hub_session(&space, |session| {
                let (method, body) = (method.clone(), body.clone());
                async move {
                    match body {
                        None if method == Method::GET => admin::get(&self.http, hub_url, &session, path).await,
                        body => {
                            admin::send(
                                &self.http,
                                hub_url,
                                &session,
                                method,
                                path,
                                &body.unwrap_or(serde_json::Value::Null),
                            )
                            .await
                        }
                    }
                }
            })
            .await;
        result.map_err(Error::HubCall)
    }

    /// Fetches a file (not JSON) from the hub's admin API with the device's session, through
    /// `http` (an export needs a longer timeout than other calls).
    async fn admin_file(&self, http: &reqwest::Client, path: &str) -> Result<Vec<u8>, Error> {
        let space = self.signed_in_space()?;
        let hub_url = &space.hub;
        self.with_hub_session(&space, |session| async move {
            admin::get_file(http, hub_url, &session, path, MAX_FILE_BYTES).await
        })
        .await
        .map_err(Error::HubCall)
    }

    /// Saves `bytes` in `to` as `<stem>.<extension>` (never over another file) and remembers it
    /// for [`Frontdoor::open_saved`].
    fn save_file(&self, to: &Downloads, stem: &str, extension: &str, bytes: &[u8]) -> Result<SavedFileDto, Error> {
        let path = to.save(stem, extension, bytes)?;
        let mut inner = self.lock();
        inner.saved_files.push(path.clone());
        let excess = inner.saved_files.len().saturating_sub(REMEMBERED_FILES);
        inner.saved_files.drain(..excess);
        Ok(SavedFileDto {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: path.display().to_string(),
            bytes: bytes.len() as u64,
        })
    }

    /// Opens a file this app saved (a sticker sheet, to print it) with the system's browser. Any
    /// other path is refused: the window cannot make the app open arbitrary files.
    pub fn open_saved(&self, path: &str) -> Result<(), Error> {
        let wanted = Path::new(path);
        let known: Option<PathBuf> = self.lock().saved_files.iter().find(|p| *p == wanted).cloned();
        let Some(known) = known else {
            return Err(Error::UnknownFile);
        };
        let url = Url::from_file_path(&known).map_err(|()| Error::UnknownFile)?;
        self.browser.open(&url).map_err(|reason| Error::NotOpened {
            path: known.display().to_string(),
            reason,
        })
    }

    /// Everything the console shows, loaded side by side. A part the hub refuses is left out and
    /// its refusal listed; a person who is not staff gets `not_staff` for the whole console.
    pub async fn console(self: &Arc<Self>) -> Result<ConsoleView, Error> {
        let (access, cobot, sync, members, changes) = tokio::join!(
            self.admin::<AccessSetup>(Method::GET, "api/v1/admin/access", None),
            self.admin::<CobotConnection>(Method::GET, "api/v1/admin/cobot", None),
            self.admin::<SyncPanel>(Method::GET, "api/v1/admin/sync/runs", None),
            self.admin::<Vec<MemberRow>>(Method::GET, "api/v1/admin/members", None),
            self.admin::<Vec<SetupChange>>(Method::GET, "api/v1/admin/access/changes", None),
        );
        let mut view = ConsoleView::default();
        let mut errors = Vec::new();
        let mut note = |e: Error| {
            if let Error::HubCall(call) = &e {
                if call.code() == Some(Code::NotStaff) {
                    return Err(e);
                }
            }
            errors.push(ErrorDto::from(&e));
            Ok(())
        };
        match access {
            Ok(a) => view.access = Some(a),
            Err(e) => note(e)?,
        }
        match cobot {
            Ok(c) => view.cobot = Some(c),
            Err(e) => note(e)?,
        }
        match sync {
            Ok(s) => view.sync = Some(s),
            Err(e) => note(e)?,
        }
        match members {
            Ok(m) => view.members = m,
            Err(e) => note(e)?,
        }
        match changes {
            Ok(c) => view.changes = c,
            Err(e) => note(e)?,
        }
        view.errors = errors;
        Ok(view)
    }

    /// Creates or replaces a group; the hub validates it (field errors come back by field).
    pub async fn save_group(self: &Arc<Self>, group: GroupSetup, version: u64) -> Result<ConsoleView, Error> {
        let path = format!("api/v1/admin/access/groups/{}", admin::segment(&group.id));
        let body = serde_json::to_value(GroupChange { version, group }).map_err(|e| Error::Internal(e.to_string()))?;
        self.admin::<AccessSetup>(Method::PUT, &path, Some(body)).await?;
        self.console().await
    }

    /// Removes a group (the hub refuses while a plan still gives it).
    pub async fn delete_group(self: &Arc<Self>, id: &str, version: u64) -> Result<ConsoleView, Error> {
        let path = format!("api/v1/admin/access/groups/{}?version={version}", admin::segment(id));
        self.admin::<AccessSetup>(Method::DELETE, &path, None).await?;
        self.console().await
    }

    /// Sets the groups a Cobot plan gives.
    pub async fn assign_plan(
        self: &Arc<Self>,
        plan_id: &str,
        groups: Vec<String>,
        version: u64,
    ) -> Result<ConsoleView, Error> {
        let path = format!("api/v1/admin/access/plans/{}", admin::segment(plan_id));
        let body = serde_json::to_value(PlanChange { version, groups }).map_err(|e| Error::Internal(e.to_string()))?;
        self.admin::<AccessSetup>(Method::PUT, &path, Some(body)).await?;
        self.console().await
    }

    /// The extra-groups switch.
    pub async fn set_extra_groups(self: &Arc<Self>, enabled: bool, version: u64) -> Result<ConsoleView, Error> {
        let body =
            serde_json::to_value(ExtraGroupsChange { version, enabled }).map_err(|e| Error::Internal(e.to_string()))?;
        self.admin::<AccessSetup>(Method::PUT, "api/v1/admin/access/extra_groups", Some(body))
            .await?;
        self.console().await
    }

    /// A member's extra groups, written to Cobot's custom field by the hub.
    pub async fn member_extra_groups(
        self: &Arc<Self>,
        membership_id: &str,
        groups: Vec<String>,
    ) -> Result<ConsoleView, Error> {
        let path = format!("api/v1/admin/members/{}/extra_groups", admin::segment(membership_id));
        let body = serde_json::to_value(ExtraGroupsOfMember { groups }).map_err(|e| Error::Internal(e.to_string()))?;
        self.admin::<serde_json::Value>(Method::PUT, &path, Some(body)).await?;
        self.console().await
    }

    /// Minutes between scheduled syncs.
    pub async fn set_sync_interval(self: &Arc<Self>, minutes: u64) -> Result<ConsoleView, Error> {
        let body = serde_json::to_value(IntervalChange { minutes }).map_err(|e| Error::Internal(e.to_string()))?;
        self.admin::<serde_json::Value>(Method::PUT, "api/v1/admin/sync/interval", Some(body))
            .await?;
        self.console().await
    }

    /// Starts a full sync at the hub and follows its progress (pushed by the hub as server-sent
    /// events), handing each step to `progress`; reloads the console when it ends.
    pub async fn sync_now(
        self: &Arc<Self>,
        progress: impl Fn(SyncProgress) + Send + Sync + 'static,
    ) -> Result<ConsoleView, Error> {
        self.admin::<serde_json::Value>(Method::POST, "api/v1/admin/sync/start", Some(serde_json::json!({})))
            .await?;
        let space = self.signed_in_space()?;
        let app = Arc::clone(self);
        tokio::spawn(async move {
            // The hub ends each event stream after a minute (its connections are bounded); a
            // long sync is followed again until it says `done` or `failed`. Reads are bounded,
            // the stream as a whole is not: the hub sends a keep-alive every 15 s.
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(std::time::Duration::from_secs(5))
                .read_timeout(std::time::Duration::from_secs(40))
                .build()
                .expect("a client with these settings builds");
            let hub_url = space.hub.clone();
            for _ in 0..30 {
                let followed = app
                    .with_hub_session(&space, |session| {
                        let (http, hub_url) = (http.clone(), hub_url.clone());
                        let progress = &progress;
                        async move {
                            admin::follow_sync(&http, &hub_url, &session, 10_000, |p| {
                                progress(p);
                            })
                            .await
                        }
                    })
                    .await;
                match followed {
                    Ok(Some(last)) if last.phase.is_finished() => break,
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::info!("following the sync's progress ended: {e}");
                        progress(SyncProgress {
                            phase: SyncPhase::Failed,
                            done: 0,
                            total: None,
                            message: format!(
                                "The sync's progress could not be followed ({e}); reload to see how it ended."
                            ),
                        });
                        break;
                    }
                }
            }
        });
        self.console().await
    }

    /// Connects the space's Cobot account: the hub begins its OAuth flow with the sync scopes and
    /// the browser shows Cobot's page; the hub's page sends the browser back to the app.
    pub async fn connect_cobot(self: &Arc<Self>) -> Result<ConsoleView, Error> {
        let return_to = match self.settings.redirect {
            RedirectKind::DeepLink => Url::parse(DEEP_LINK_REDIRECT).expect("constant URL"),
            RedirectKind::Loopback => {
                let listener = frontdoor_core::auth::loopback::LoopbackRedirect::bind()
                    .await
                    .map_err(|e| Error::Internal(format!("no loopback port for connecting Cobot: {e}")))?;
                let uri = listener.redirect_uri().clone();
                // Whatever comes back (the hub's "connected" or an error) means: look again.
                let app = Arc::clone(self);
                tokio::spawn(async move {
                    let _ = listener.callback().await;
                    app.cobot_connected().await;
                });
                uri
            }
        };
        let body = serde_json::to_value(ConnectRequest { return_to }).map_err(|e| Error::Internal(e.to_string()))?;
        let started: ConnectStarted = self
            .admin(Method::POST, "api/v1/admin/cobot/connect", Some(body))
            .await?;
        if !self.settings.policy.allows(&started.authorize_url) {
            return Err(Error::UntrustedSignIn(
                started.authorize_url.origin().ascii_serialization(),
            ));
        }
        if let Err(e) = self.browser.open(&started.authorize_url) {
            return Err(Error::Browser(e));
        }
        self.console().await
    }

    /// The hub's page said the connection is made: tell the window to reload the console.
    pub(crate) async fn cobot_connected(self: &Arc<Self>) {
        self.lock().console_epoch += 1;
        self.changed();
    }

    /// Disconnects: the hub revokes the space's Cobot token.
    pub async fn disconnect_cobot(self: &Arc<Self>) -> Result<ConsoleView, Error> {
        self.admin::<serde_json::Value>(Method::DELETE, "api/v1/admin/cobot", None)
            .await?;
        self.console().await
    }
}
