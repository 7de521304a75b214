//! What every screen of the real window must be for everyone: inside a phone's width, tap targets
//! of at least 44 × 44 px, and no serious or critical finding of axe-core (the accessibility
//! engine browsers' own audits use; npm's build, installed into `tests/peers` by
//! `scripts/setup.sh`), which covers text contrast of at least 4.5:1, names for every control,
//! labels, landmarks and ARIA use.

use std::sync::OnceLock;
use std::time::Duration;

use fantoccini::Client;
use serde_json::Value;

/// The two sizes every screen is checked and photographed at: an iPhone 14's viewport, and a
/// front-desk computer's window.
pub const SIZES: [(&str, u32, u32); 2] = [("phone", 390, 844), ("desktop", 1280, 860)];

/// The viewport shown now, in CSS pixels.
pub async fn current_viewport(client: &Client) -> (u32, u32) {
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    (inner[0].as_u64().unwrap() as u32, inner[1].as_u64().unwrap() as u32)
}

/// One rule axe-core found broken, with the elements that break it (shown through `Debug` when a
/// test fails).
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub nodes: Vec<String>,
}

fn axe_source() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/node_modules/axe-core/axe.min.js"
        );
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e} (scripts/setup.sh installs axe-core from npm)"))
    })
}

/// The serious and critical findings of axe-core on the page shown now.
pub async fn axe(client: &Client) -> Vec<Violation> {
    // The window's CSP allows no eval: the engine arrives as the body of the script WebDriver runs.
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         if (!window.axe) {{\n{}\n}}\n\
         window.axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(r.violations\n\
           .filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
           .map(v => ({{ id: v.id, impact: v.impact, help: v.help,\n\
             nodes: v.nodes.slice(0, 8).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ')) }}))))\n\
           .catch(e => done([{{ id: 'axe-did-not-run', impact: 'critical', help: String(e), nodes: [] }}]));",
        axe_source()
    );
    let found: Value = client.execute_async(&script, vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

/// Fails, naming every finding, when the screen shown now is not accessible at its size.
pub async fn assert_accessible(client: &Client, screen: &str) {
    let found = axe(client).await;
    assert!(
        found.is_empty(),
        "{screen}: axe-core finds serious or critical problems: {found:#?}"
    );
    let small = fit(client).await.small_targets;
    assert!(small.is_empty(), "{screen}: tap targets under 44 × 44 px: {small:#?}");
}

/// Waits out a resize or a render: two animation frames, so WebKit has laid out and painted.
pub async fn settle(client: &Client) {
    let _ = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await;
}

/// What the phone-size check found on the screen shown now.
#[derive(Debug, serde::Deserialize)]
pub struct Fit {
    /// The viewport's width in CSS pixels.
    pub width: f64,
    /// The page's scrollable width: more than `width` means sideways scrolling.
    pub scroll_width: f64,
    /// Elements reaching past the left or right edge of the viewport.
    pub overflowing: Vec<String>,
    /// Touch targets (buttons, links, fields; a checkbox by its label) under 44 × 44 px.
    pub small_targets: Vec<String>,
}

/// Measures the screen as a phone shows it: every visible element inside the viewport's width,
/// no sideways scrolling, every touch target at least 44 px each way.
pub async fn fit(client: &Client) -> Fit {
    let value = client
        .execute(
            &(NAME_JS.to_string()
                + r#"
const width = document.documentElement.clientWidth;
const shown = (r) => r.width > 0 && r.height > 0;
const overflowing = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (shown(r) && (r.left < -0.5 || r.right > width + 0.5)) overflowing.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
}
const small_targets = [];
for (const el of document.querySelectorAll('button, a[href], input, select, textarea, summary, [role=button]')) {
  const target = (el.tagName === 'INPUT' && el.closest('label')) || el;
  const r = target.getBoundingClientRect();
  if (shown(r) && (r.height < 43.5 || r.width < 43.5)) small_targets.push(name(target) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
}
return { width, scroll_width: document.documentElement.scrollWidth, overflowing, small_targets };
"#),
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

/// Fails, naming every element, when the screen does not fit a phone.
pub async fn assert_fits_a_phone(client: &Client, screen: &str) {
    let fit = fit(client).await;
    assert!(
        fit.scroll_width <= fit.width,
        "{screen}: the page scrolls sideways ({} px wide in a {} px viewport)",
        fit.scroll_width,
        fit.width
    );
    assert!(
        fit.overflowing.is_empty(),
        "{screen}: elements reach past the screen's edge: {:#?}",
        fit.overflowing
    );
    assert!(
        fit.small_targets.is_empty(),
        "{screen}: touch targets under 44 px: {:#?}",
        fit.small_targets
    );
}

/// Makes the window's viewport exactly `width` × `height` CSS pixels (an iPhone 14's is 390 × 844).
/// The window's frame takes some of its size, and a resize reaches the page a moment later: the
/// window is set, the viewport read once it has settled, and the window corrected by the
/// difference until the viewport is exact.
pub async fn viewport(client: &Client, width: u32, height: u32) {
    let read = || async {
        let inner = client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        (inner[0].as_u64().unwrap() as i64, inner[1].as_u64().unwrap() as i64)
    };
    let (mut outer_w, mut outer_h) = (width as i64, height as i64);
    let mut seen = (0, 0);
    for _ in 0..40 {
        client.set_window_size(outer_w as u32, outer_h as u32).await.unwrap();
        // Wait until two reads agree: the page has the new size.
        let mut last = read().await;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now = read().await;
            if now == last {
                break;
            }
            last = now;
        }
        seen = last;
        if seen == (width as i64, height as i64) {
            return;
        }
        outer_w += width as i64 - seen.0;
        outer_h += height as i64 - seen.1;
    }
    panic!(
        "the viewport is a phone's: wanted {width}×{height}, the window shows {}×{}",
        seen.0, seen.1
    );
}

/// Names an element in a report: tag, id, classes and the start of its text.
const NAME_JS: &str = "const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + \
    (el.classList.length ? '.' + [...el.classList].join('.') : '') + ' \"' + (el.textContent || el.value || '').trim().slice(0, 30) + '\"';";

/// What a walk through the screen with the Tab key found.
#[derive(Debug, serde::Deserialize)]
pub struct Walk {
    /// The controls focused, in order.
    pub focused: Vec<String>,
    /// Visible, enabled controls the Tab key never reached.
    pub unreachable: Vec<String>,
}

/// One press of the Tab key, to whatever has the focus (as a keyboard does: sending keys to an
/// element would first focus it again, from its first part).
async fn press_tab(client: &Client) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let tab: char = fantoccini::key::Key::Tab.into();
    let press = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab });
    client.perform_actions(press).await.unwrap();
}

/// Presses Tab through the screen shown now, as a person without a mouse does, from the top.
pub async fn walk_with_tab(client: &Client) -> Walk {
    let controls = "button, a[href], input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";
    let count = client
        .execute(
            &format!(
                "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); \
                 document.querySelectorAll('[data-tab-seen]').forEach(e => e.removeAttribute('data-tab-seen')); \
                 return document.querySelectorAll(\"{controls}\").length;"
            ),
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    // Date and time fields take a Tab per part (day, month, year): room for those, and the walk
    // ends as soon as every control has been reached.
    let mut focused = Vec::new();
    let mut unreachable = Vec::new();
    for _ in 0..count * 4 + 10 {
        press_tab(client).await;
        let step = client
            .execute(
                &format!(
                    "{NAME_JS} const e = document.activeElement; let now = null; \
                     if (e && e !== document.body) {{ e.setAttribute('data-tab-seen', ''); now = name(e); }} \
                     const left = [...document.querySelectorAll(\"{controls}\")].filter(e => {{ const r = e.getBoundingClientRect(); \
                     return r.width > 0 && r.height > 0 && !e.disabled && !e.hasAttribute('data-tab-seen') && getComputedStyle(e).visibility !== 'hidden'; }}).map(name); \
                     return [now, left];"
                ),
                vec![],
            )
            .await
            .unwrap();
        if let Some(now) = step[0].as_str() {
            if focused.last().map(String::as_str) != Some(now) {
                focused.push(now.to_string());
            }
        }
        unreachable = serde_json::from_value(step[1].clone()).unwrap();
        if unreachable.is_empty() {
            break;
        }
    }
    // Leave the focus as a mouse user would find it.
    let _ = client
        .execute("document.activeElement && document.activeElement.blur();", vec![])
        .await;
    Walk { focused, unreachable }
}

/// Fails, naming them, when a control on the screen shown now cannot be reached by keyboard.
pub async fn assert_reachable_by_keyboard(client: &Client, screen: &str) {
    let walk = walk_with_tab(client).await;
    assert!(
        walk.unreachable.is_empty(),
        "{screen}: the Tab key never reaches {:#?} (it went through {:#?})",
        walk.unreachable,
        walk.focused
    );
}
