//! The Frontdoor app's Rust shell: Tauri plugins, commands and events around [`Frontdoor`].
//!
//! Commands are one-line adapters over the managed [`Frontdoor`]; errors cross to the UI as
//! `{code, message}` ([`frontdoor_ipc::ErrorDto`]).

pub mod console;
pub mod device_error;
pub mod downloads;
pub mod frontdoor;
#[cfg(mobile)]
pub mod phone;
pub mod scheme_handler;
pub mod vault;

use std::sync::Arc;

use frontdoor_core::auth::IssuerPolicy;
use frontdoor_ipc::{
    ActivityFilterDto, ActivityPage, AppView, CheckInsView, ConsoleView, DoctorReport, DoorLatency, DoorSetup,
    DoorsView, ErrorDto, FleetActivity, FleetRevocation, FleetSpace, Glance, GroupSetup, QrCodesDto, RedirectKind,
    Role, SavedFileDto, UnlockAnswer, UnlockView, GLANCE_EVENT, SYNC_PROGRESS_EVENT, VIEW_CHANGED_EVENT,
};
use tauri::{Emitter, Manager, Runtime};
use url::Url;

use device_error::DeviceError;
use downloads::Downloads;
pub use frontdoor::Frontdoor;
use frontdoor::{Browser, Error, Prefs, Saved, Settings};

type App<'a> = tauri::State<'a, Arc<Frontdoor>>;

#[tauri::command]
fn get_view(app: App<'_>) -> AppView {
    app.view()
}

#[tauri::command]
async fn open_link(app: App<'_>, link: String) -> Result<AppView, ErrorDto> {
    Ok(app.open_link(&link).await?)
}

#[tauri::command]
async fn join_space(app: App<'_>, subdomain: String, hub: String) -> Result<AppView, ErrorDto> {
    Ok(app.join_typed(&subdomain, &hub).await?)
}

#[tauri::command]
async fn confirm_join(app: App<'_>) -> Result<AppView, ErrorDto> {
    Ok(app.confirm_join().await?)
}

#[tauri::command]
fn decline_join(app: App<'_>) -> AppView {
    app.decline_join()
}

#[tauri::command]
async fn sign_in(app: App<'_>) -> Result<AppView, ErrorDto> {
    Ok(app.sign_in().await?)
}

#[tauri::command]
fn cancel_sign_in(app: App<'_>) -> AppView {
    app.cancel_sign_in()
}

#[tauri::command]
async fn sign_out(app: App<'_>) -> Result<AppView, ErrorDto> {
    Ok(app.sign_out().await?)
}

#[tauri::command]
async fn refresh(app: App<'_>) -> Result<AppView, ErrorDto> {
    Ok(app.refresh().await?)
}

#[tauri::command]
fn dismiss_notice(app: App<'_>) -> AppView {
    app.dismiss_notice()
}

#[tauri::command]
async fn unlock(app: App<'_>, door: String) -> Result<UnlockAnswer, ErrorDto> {
    Ok(app.unlock(&door).await?)
}

#[tauri::command]
fn set_language(app: App<'_>, language: Option<String>) -> Result<AppView, ErrorDto> {
    Ok(app.set_language(language.as_deref())?)
}

#[tauri::command]
async fn set_confirm_unlock(app: App<'_>, enabled: bool) -> Result<AppView, ErrorDto> {
    Ok(app.set_confirm_unlock(enabled).await?)
}

#[tauri::command]
async fn confirm_open(app: App<'_>) -> Result<UnlockAnswer, ErrorDto> {
    Ok(app.confirm_open().await?)
}

#[tauri::command]
fn cancel_open(app: App<'_>) -> AppView {
    app.cancel_open()
}

#[tauri::command]
async fn console(app: App<'_>) -> Result<ConsoleView, ErrorDto> {
    Ok(app.console().await?)
}

#[tauri::command]
async fn console_save_group(app: App<'_>, group: GroupSetup, version: u64) -> Result<ConsoleView, ErrorDto> {
    Ok(app.save_group(group, version).await?)
}

#[tauri::command]
async fn console_delete_group(app: App<'_>, id: String, version: u64) -> Result<ConsoleView, ErrorDto> {
    Ok(app.delete_group(&id, version).await?)
}

#[tauri::command]
async fn console_assign_plan(
    app: App<'_>,
    plan_id: String,
    groups: Vec<String>,
    version: u64,
) -> Result<ConsoleView, ErrorDto> {
    Ok(app.assign_plan(&plan_id, groups, version).await?)
}

#[tauri::command]
async fn console_extra_groups(app: App<'_>, enabled: bool, version: u64) -> Result<ConsoleView, ErrorDto> {
    Ok(app.set_extra_groups(enabled, version).await?)
}

#[tauri::command]
async fn console_member_extra_groups(
    app: App<'_>,
    membership_id: String,
    groups: Vec<String>,
) -> Result<ConsoleView, ErrorDto> {
    Ok(app.member_extra_groups(&membership_id, groups).await?)
}

#[tauri::command]
async fn console_sync_interval(app: App<'_>, minutes: u64) -> Result<ConsoleView, ErrorDto> {
    Ok(app.set_sync_interval(minutes).await?)
}

#[tauri::command]
async fn console_sync_now<R: Runtime>(handle: tauri::AppHandle<R>, app: App<'_>) -> Result<ConsoleView, ErrorDto> {
    Ok(app
        .sync_now(move |progress| {
            let _ = handle.emit(SYNC_PROGRESS_EVENT, &progress);
        })
        .await?)
}

#[tauri::command]
async fn console_connect_cobot(app: App<'_>) -> Result<ConsoleView, ErrorDto> {
    Ok(app.connect_cobot().await?)
}

#[tauri::command]
async fn console_disconnect_cobot(app: App<'_>) -> Result<ConsoleView, ErrorDto> {
    Ok(app.disconnect_cobot().await?)
}

#[tauri::command]
async fn console_activity(
    app: App<'_>,
    filter: ActivityFilterDto,
    before_id: Option<i64>,
) -> Result<ActivityPage, ErrorDto> {
    Ok(app.activity(&filter, before_id).await?)
}

#[tauri::command]
async fn console_door_latency(app: App<'_>) -> Result<Vec<DoorLatency>, ErrorDto> {
    Ok(app.door_latency().await?)
}

#[tauri::command]
async fn console_doors(app: App<'_>) -> Result<DoorsView, ErrorDto> {
    Ok(app.doors().await?)
}

#[tauri::command]
async fn console_save_door(app: App<'_>, door: DoorSetup, secret: Option<String>) -> Result<DoorsView, ErrorDto> {
    Ok(app.save_door(door, secret).await?)
}

#[tauri::command]
async fn console_remove_door(app: App<'_>, id: String) -> Result<DoorsView, ErrorDto> {
    Ok(app.remove_door(&id).await?)
}

#[tauri::command]
async fn console_test_door(app: App<'_>, id: String) -> Result<UnlockView, ErrorDto> {
    Ok(app.test_door(&id).await?)
}

#[tauri::command]
async fn console_check_cobot(app: App<'_>) -> Result<DoctorReport, ErrorDto> {
    Ok(app.check_cobot().await?)
}

#[tauri::command]
async fn console_glance(app: App<'_>) -> Result<Glance, ErrorDto> {
    Ok(app.glance().await?)
}

#[tauri::command]
async fn console_remote_open(app: App<'_>, door: String, reason: String) -> Result<UnlockView, ErrorDto> {
    Ok(app.remote_open(&door, &reason).await?)
}

#[tauri::command]
async fn console_export_activity<R: Runtime>(
    handle: tauri::AppHandle<R>,
    app: App<'_>,
    filter: ActivityFilterDto,
) -> Result<SavedFileDto, ErrorDto> {
    Ok(app.export_activity(&filter, &downloads_of(&handle)?).await?)
}

#[tauri::command]
async fn console_check_ins(app: App<'_>, day: Option<String>) -> Result<CheckInsView, ErrorDto> {
    Ok(app.check_ins(day.as_deref()).await?)
}

#[tauri::command]
async fn console_retry_check_in(app: App<'_>, membership_id: String, day: String) -> Result<CheckInsView, ErrorDto> {
    Ok(app.retry_check_in(&membership_id, &day).await?)
}

#[tauri::command]
async fn console_check_in_policy(
    app: App<'_>,
    policy: String,
    no_pass: Option<String>,
    day: Option<String>,
) -> Result<CheckInsView, ErrorDto> {
    Ok(app
        .set_check_in_policy(&policy, no_pass.as_deref(), day.as_deref())
        .await?)
}

#[tauri::command]
async fn console_qr_codes(app: App<'_>) -> Result<QrCodesDto, ErrorDto> {
    Ok(app.qr_codes().await?)
}

#[tauri::command]
async fn console_save_stickers<R: Runtime>(
    handle: tauri::AppHandle<R>,
    app: App<'_>,
    paper: String,
) -> Result<SavedFileDto, ErrorDto> {
    Ok(app.save_sticker_sheet(&paper, &downloads_of(&handle)?).await?)
}

#[tauri::command]
async fn console_save_qr_code<R: Runtime>(
    handle: tauri::AppHandle<R>,
    app: App<'_>,
    door: Option<String>,
) -> Result<SavedFileDto, ErrorDto> {
    Ok(app.save_qr_code(door.as_deref(), &downloads_of(&handle)?).await?)
}

#[tauri::command]
fn console_open_saved(app: App<'_>, path: String) -> Result<(), ErrorDto> {
    Ok(app.open_saved(&path)?)
}

#[tauri::command]
async fn console_fleet(app: App<'_>) -> Result<frontdoor_ipc::FleetSession, ErrorDto> {
    Ok(app.fleet().await?)
}

#[tauri::command]
async fn console_fleet_sign_in(
    app: App<'_>,
    url: String,
    token: String,
) -> Result<frontdoor_ipc::FleetSession, ErrorDto> {
    Ok(app.fleet_sign_in(&url, &token).await?)
}

#[tauri::command]
fn console_fleet_sign_out(app: App<'_>) -> frontdoor_ipc::FleetSession {
    app.fleet_sign_out()
}

#[tauri::command]
async fn console_fleet_spaces(app: App<'_>) -> Result<Vec<FleetSpace>, ErrorDto> {
    Ok(app.fleet_spaces().await?)
}

#[tauri::command]
async fn console_fleet_activity(
    app: App<'_>,
    space: Option<String>,
    check_ins: bool,
    limit: Option<u32>,
) -> Result<Vec<FleetActivity>, ErrorDto> {
    Ok(app.fleet_activity(space.as_deref(), check_ins, limit).await?)
}

#[tauri::command]
async fn console_fleet_check_ins(
    app: App<'_>,
    space: Option<String>,
) -> Result<Vec<frontdoor_ipc::FleetCheckIn>, ErrorDto> {
    Ok(app.fleet_check_ins(space.as_deref()).await?)
}

#[tauri::command]
async fn console_fleet_open(
    app: App<'_>,
    space: String,
    hub: String,
    door: String,
    reason: String,
) -> Result<UnlockView, ErrorDto> {
    Ok(app.fleet_open(&space, &hub, &door, &reason).await?)
}

#[tauri::command]
async fn console_fleet_revocations(app: App<'_>, space: String) -> Result<Vec<FleetRevocation>, ErrorDto> {
    Ok(app.fleet_revocations(&space).await?)
}

#[tauri::command]
async fn console_fleet_revoke(
    app: App<'_>,
    space: String,
    device_id: Option<String>,
    user_id: Option<String>,
    why: String,
) -> Result<Vec<FleetRevocation>, ErrorDto> {
    Ok(app
        .fleet_revoke(&space, device_id.as_deref(), user_id.as_deref(), &why)
        .await?)
}

/// Where saved files go on this device: `FRONTDOOR_DOWNLOAD_DIR`, else Downloads, else home.
fn downloads_of<R: Runtime>(handle: &tauri::AppHandle<R>) -> Result<Downloads, ErrorDto> {
    let paths = handle.path();
    Downloads::choose(
        std::env::var_os(downloads::DOWNLOAD_DIR_ENV),
        paths.download_dir().ok(),
        paths.home_dir().ok(),
    )
    .map_err(|e| ErrorDto::from(Error::from(e)))
}

/// The command table, shared by the app and the IPC tests.
pub fn invoke_handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        get_view,
        open_link,
        join_space,
        confirm_join,
        decline_join,
        sign_in,
        cancel_sign_in,
        sign_out,
        refresh,
        dismiss_notice,
        unlock,
        set_confirm_unlock,
        set_language,
        confirm_open,
        cancel_open,
        console,
        console_save_group,
        console_delete_group,
        console_assign_plan,
        console_extra_groups,
        console_member_extra_groups,
        console_sync_interval,
        console_sync_now,
        console_connect_cobot,
        console_disconnect_cobot,
        console_activity,
        console_door_latency,
        console_remote_open,
        console_export_activity,
        console_check_ins,
        console_retry_check_in,
        console_check_in_policy,
        console_qr_codes,
        console_save_stickers,
        console_save_qr_code,
        console_open_saved,
        console_doors,
        console_save_door,
        console_remove_door,
        console_test_door,
        console_glance,
        console_check_cobot,
        console_fleet,
        console_fleet_sign_in,
        console_fleet_sign_out,
        console_fleet_spaces,
        console_fleet_activity,
        console_fleet_check_ins,
        console_fleet_open,
        console_fleet_revocations,
        console_fleet_revoke
    ]
}

/// How often staff's app asks the hub for the space's health.
const GLANCE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether the view's signed-in person is staff of the space they signed in through.
fn is_staff(view: &AppView) -> bool {
    view.session.as_ref().is_some_and(|s| {
        s.memberships
            .iter()
            .any(|m| m.subdomain == s.subdomain && matches!(m.role, Role::Admin | Role::MemberAndAdmin))
    })
}

/// While staff are signed in, asks the hub for the space's health every half minute, hands it
/// to the window (the status strip), and tells staff with a desktop notification when a light
/// turns bad. A failed look changes nothing: the last lights stay, and nothing is told twice.
async fn watch_glance<R: Runtime>(handle: tauri::AppHandle<R>, app: Arc<Frontdoor>) {
    use tauri_plugin_notification::NotificationExt;
    let mut last: Option<Glance> = None;
    loop {
        if is_staff(&app.view()) {
            match app.glance().await {
                Ok(glance) => {
                    for words in glance.newly_bad(last.as_ref()) {
                        if let Err(e) = handle.notification().builder().title("Frontdoor").body(&words).show() {
                            tracing::info!("no desktop notification ({e}): {words}");
                        }
                    }
                    let _ = handle.emit(GLANCE_EVENT, &glance);
                    last = Some(glance);
                }
                Err(e) => tracing::debug!("the space's health could not be read: {e}"),
            }
        } else {
            last = None;
        }
        tokio::time::sleep(GLANCE_EVERY).await;
    }
}

/// Sign-in hosts trusted besides Cobot: `FRONTDOOR_TRUST_COBOT`, comma-separated origins (the
/// demo and tests point it at cobot-sim).
pub fn issuer_policy_from_env() -> IssuerPolicy {
    let extra = std::env::var("FRONTDOOR_TRUST_COBOT").unwrap_or_default();
    IssuerPolicy::with_extra(extra.split(',').filter_map(|s| Url::parse(s.trim()).ok()))
}

/// How the sign-in comes back on this device. `FRONTDOOR_REDIRECT=deep_link|loopback` forces one.
pub fn redirect_kind(scheme_registered: bool) -> RedirectKind {
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
    choose_redirect(
        std::env::var("FRONTDOOR_REDIRECT").ok().as_deref(),
        cfg!(target_os = "linux"),
        scheme_registered,
        bus,
    )
}

/// The redirect decision, as a pure function. On Linux the deep link needs the scheme registered
/// *and* a session bus, because a second launch carrying the URL reaches the running window only
/// through D-Bus (single-instance); without a bus the callback would start a second copy that
/// knows nothing of the sign-in, so the RFC 8252 loopback redirect is used instead. macOS,
/// Windows and the phones register the scheme at install time and deliver to the running app.
pub fn choose_redirect(forced: Option<&str>, linux: bool, scheme_registered: bool, session_bus: bool) -> RedirectKind {
    match forced {
        Some("loopback") => RedirectKind::Loopback,
        Some("deep_link") => RedirectKind::DeepLink,
        _ if !linux => RedirectKind::DeepLink,
        _ if scheme_registered && session_bus => RedirectKind::DeepLink,
        _ => RedirectKind::Loopback,
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const PREFS_FILE: &str = "frontdoor.json";
const PREFS_KEY: &str = "state";

struct StorePrefs<R: Runtime>(tauri::AppHandle<R>);

impl<R: Runtime> Prefs for StorePrefs<R> {
    fn load(&self) -> Saved {
        use tauri_plugin_store::StoreExt;
        let Ok(store) = self.0.store(PREFS_FILE) else {
            return Saved::default();
        };
        store
            .get(PREFS_KEY)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }
    fn save(&self, saved: &Saved) -> Result<(), DeviceError> {
        use tauri_plugin_store::StoreExt;
        let prefs = |e: tauri_plugin_store::Error| DeviceError::Prefs(e.into());
        let store = self.0.store(PREFS_FILE).map_err(prefs)?;
        store.set(
            PREFS_KEY,
            serde_json::to_value(saved).map_err(|e| DeviceError::Prefs(e.into()))?,
        );
        store.save().map_err(prefs)
    }
}

/// Opens URLs with `FRONTDOOR_BROWSER` (a command, given the URL as its one argument) when set,
/// else with the system's browser (on Android, in a Custom Tab).
struct SystemBrowser<R: Runtime>(tauri::AppHandle<R>);

impl<R: Runtime> Browser for SystemBrowser<R> {
    fn open(&self, url: &Url) -> Result<(), DeviceError> {
        if let Some(cmd) = std::env::var_os("FRONTDOOR_BROWSER").filter(|c| !c.is_empty()) {
            return std::process::Command::new(cmd)
                .arg(url.as_str())
                .spawn()
                .map(|_| ())
                .map_err(|e| DeviceError::Browser(e.into()));
        }
        use tauri_plugin_opener::OpenerExt;
        // Android: a Custom Tab, the system's in-app browser session (its cookies, its password
        // manager), which the `frontdoor://` return closes behind the app. iOS and desktops: the
        // system browser (the opener offers iOS only SFSafariViewController, which a scheme
        // return would leave open over the app).
        let with = if cfg!(target_os = "android") {
            Some("inAppBrowser")
        } else {
            None
        };
        self.0
            .opener()
            .open_url(url.as_str(), with)
            .map_err(|e| DeviceError::Browser(e.into()))
    }
}

/// The links the app was started with: a phone may report its launch link both as the current
/// link and, moments later, as an event; the event's copy is not delivered a second time. Only
/// while the app starts — the same link later is the person opening it again.
struct LinkInbox {
    at_start: Vec<String>,
    until: std::time::Instant,
}

/// How long after start an event can still be the launch link reported twice.
const LAUNCH_ECHO: std::time::Duration = std::time::Duration::from_secs(5);

impl LinkInbox {
    fn new(at_start: impl IntoIterator<Item = String>, started: std::time::Instant) -> LinkInbox {
        LinkInbox {
            at_start: at_start.into_iter().collect(),
            until: started + LAUNCH_ECHO,
        }
    }

    /// Whether an event's link, arriving at `now`, is to be delivered: not when it is the echo of
    /// a launch link (the start path delivers that one).
    fn admit(&mut self, link: &str, now: std::time::Instant) -> bool {
        if now > self.until {
            self.at_start.clear();
        }
        match self.at_start.iter().position(|l| l == link) {
            Some(i) => {
                self.at_start.remove(i);
                false
            }
            None => true,
        }
    }
}

/// Registers `frontdoor://` with the desktop, unless (on Linux) what is on disk already says this
/// binary handles it: see [`scheme_handler`] for why a start avoids it.
#[cfg(desktop)]
fn register_scheme<R: Runtime>(app: &tauri::App<R>) -> Result<(), tauri_plugin_deep_link::Error> {
    use tauri_plugin_deep_link::DeepLinkExt;
    #[cfg(target_os = "linux")]
    {
        // As the plugin writes it: named after the binary, starting the AppImage when there is one.
        if let (Ok(bin), Ok(data), Ok(config)) = (
            tauri::utils::platform::current_exe(),
            app.path().data_dir(),
            app.path().config_dir(),
        ) {
            let file = format!(
                "{}-handler.desktop",
                bin.file_name().unwrap_or_default().to_string_lossy()
            );
            let exe = app.env().appimage.map(std::path::PathBuf::from).unwrap_or(bin);
            if scheme_handler::is_current_on_disk(&data, &config, &exe.to_string_lossy(), &file, "frontdoor") {
                return Ok(());
            }
        }
    }
    app.deep_link().register_all()
}

/// Starts the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    // The keychain answers over D-Bus (~80 ms here): asked on its own thread while Tauri, GTK and
    // the window start, so the window's first page is not held up behind it.
    let vault_opening = std::thread::spawn(vault::open);
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let mut builder = tauri::Builder::default();
    #[cfg(desktop)]
    {
        // First, so a second launch hands over its arguments before building anything else.
        // With the `deep-link` feature the forwarded URL arrives through `on_open_url` below.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }));
    }
    #[cfg(mobile)]
    {
        // Phone-only: scanning join and door codes in the app (called from the window, allowed
        // by capabilities/mobile.json) and the fingerprint or face check before a door opens
        // (called by the shell only, see `phone::Biometrics`).
        builder = builder
            .plugin(tauri_plugin_barcode_scanner::init())
            .plugin(tauri_plugin_biometric::init());
    }
    builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(invoke_handler())
        .setup(move |app| {
            use tauri_plugin_deep_link::DeepLinkExt;
            #[cfg(desktop)]
            let registered = match register_scheme(app) {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(
                        "frontdoor:// could not be registered ({e}); signing in through a loopback redirect"
                    );
                    false
                }
            };
            #[cfg(mobile)]
            let registered = true;
            let handle = app.handle().clone();
            let emitter = app.handle().clone();
            let frontdoor = Frontdoor::new(
                Settings {
                    policy: issuer_policy_from_env(),
                    redirect: redirect_kind(registered),
                    now,
                },
                vault_opening
                    .join()
                    .unwrap_or_else(|_| Box::new(vault::Memory::new("opening the system keychain failed"))),
                Box::new(StorePrefs(handle.clone())),
                Box::new(SystemBrowser(handle.clone())),
                Box::new(move |view: &AppView| {
                    let _ = emitter.emit(VIEW_CHANGED_EVENT, view);
                }),
            );
            #[cfg(mobile)]
            frontdoor.set_presence(Arc::new(phone::Biometrics(app.handle().clone())));
            app.manage(Arc::clone(&frontdoor));
            tauri::async_runtime::spawn(watch_glance(app.handle().clone(), Arc::clone(&frontdoor)));
            // A link that started the app (cold start) is read with `get_current`; one that arrives
            // while it runs comes as an event. On a phone the launch link can come both ways, so a
            // link seen at start is not delivered a second time by the first event carrying it.
            let startup_links = app.deep_link().get_current().ok().flatten().unwrap_or_default();
            let inbox = Arc::new(std::sync::Mutex::new(LinkInbox::new(
                startup_links.iter().map(|u| u.to_string()),
                std::time::Instant::now(),
            )));
            let on_link = Arc::clone(&frontdoor);
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    let fresh = inbox
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .admit(url.as_str(), std::time::Instant::now());
                    if !fresh {
                        continue;
                    }
                    let app = Arc::clone(&on_link);
                    tauri::async_runtime::spawn(async move { app.deliver_link(url.as_str()).await });
                }
            });
            tauri::async_runtime::spawn(async move {
                for url in startup_links {
                    frontdoor.deliver_link(url.as_str()).await;
                }
                if let Err(e) = frontdoor.refresh().await {
                    tracing::info!("session check at start: {e}");
                }
            });
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running Frontdoor");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_link_reported_twice_is_delivered_once_and_a_second_scan_again() {
        let door = "frontdoor://open?space=lighthouse&door=front";
        let start = std::time::Instant::now();
        let soon = start + std::time::Duration::from_millis(300);
        let mut inbox = LinkInbox::new([door.to_string()], start);
        assert!(!inbox.admit(door, soon), "the start path delivered it");
        assert!(inbox.admit(door, soon), "the person scanned the door again");
        assert!(inbox.admit("frontdoor://join?space=lighthouse&hub=https://h", soon));

        // On a desktop the launch link never comes back as an event: the same link a minute
        // later is the person opening it again.
        let mut inbox = LinkInbox::new([door.to_string()], start);
        assert!(inbox.admit(door, start + std::time::Duration::from_secs(60)));
    }

    #[test]
    fn the_redirect_is_a_deep_link_only_where_it_can_reach_the_running_window() {
        use RedirectKind::*;
        let table = [
            // forced, linux, registered, bus → expected
            (None, true, true, true, DeepLink),
            (None, true, true, false, Loopback),
            (None, true, false, true, Loopback),
            (None, false, false, false, DeepLink),
            (Some("loopback"), false, true, true, Loopback),
            (Some("deep_link"), true, false, false, DeepLink),
            (Some("nonsense"), true, true, false, Loopback),
        ];
        for (forced, linux, registered, bus, expected) in table {
            assert_eq!(
                choose_redirect(forced, linux, registered, bus),
                expected,
                "{forced:?} {linux} {registered} {bus}"
            );
        }
    }
}
