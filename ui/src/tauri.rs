//! The two things the UI needs from Tauri: `invoke` a command, `listen` to an event; and a
//! sleep and a repeating timer, through the window.
//! Uses the `window.__TAURI__` global (`app.withGlobalTauri`), so no npm package is needed.

use std::cell::RefCell;
use std::rc::Rc;

use frontdoor_ipc::{AppView, ErrorCode, ErrorDto};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen)]
    async fn tauri_listen(event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> JsValue;
}

/// Calls a shell command that answers with the new [`AppView`].
pub async fn command<A: Serialize>(cmd: &str, args: &A) -> Result<AppView, ErrorDto> {
    call(cmd, args).await
}

/// Calls a shell command and reads its answer as `T`; errors arrive as `{code, message}`.
pub async fn call<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> Result<T, ErrorDto> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|e| internal(e.to_string()))?;
    match tauri_invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| internal(e.to_string())),
        Err(error) => {
            Err(serde_wasm_bindgen::from_value(error.clone()).unwrap_or_else(|_| internal(format!("{error:?}"))))
        }
    }
}

/// Calls `cb` with every [`AppView`] the shell emits on `event`, for the life of the page.
pub fn listen_views(event: &'static str, cb: impl Fn(AppView) + 'static) {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(view) = serde_wasm_bindgen::from_value::<AppView>(payload) {
            cb(view);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        tauri_listen(event, &handler).await;
        // The listener lives as long as the page.
        handler.forget();
    });
}

fn internal(message: String) -> ErrorDto {
    ErrorDto::new(
        ErrorCode::Internal,
        format!("The app's window and its core disagree: {message}"),
    )
}

/// Waits `ms` milliseconds (the window's `setTimeout`). Without a window it never wakes.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A listener of [`listen`]; it stops listening when dropped (a component that unmounts drops
/// it, so remounting never adds a second one).
pub struct Listener {
    state: Rc<RefCell<ListenerState>>,
}

#[derive(Default)]
struct ListenerState {
    /// Tauri's `unlisten`, once `listen` has resolved.
    unlisten: Option<js_sys::Function>,
    /// The handler, kept alive while Tauri may call it.
    handler: Option<Closure<dyn FnMut(JsValue)>>,
    dropped: bool,
}

/// Calls `cb` with every payload of `event` that reads as `T`, until the [`Listener`] is dropped.
pub fn listen<T: DeserializeOwned + 'static>(event: &'static str, cb: impl Fn(T) + 'static) -> Listener {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(value) = serde_wasm_bindgen::from_value::<T>(payload) {
            cb(value);
        }
    });
    let state = Rc::new(RefCell::new(ListenerState::default()));
    let shared = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let unlisten = tauri_listen(event, &handler).await;
        let mut state = shared.borrow_mut();
        let unlisten = unlisten.dyn_into::<js_sys::Function>().ok();
        if state.dropped {
            // Dropped while Tauri was still registering it: undo at once.
            if let Some(f) = unlisten {
                let _ = f.call0(&JsValue::NULL);
            }
            return;
        }
        state.unlisten = unlisten;
        state.handler = Some(handler);
    });
    Listener { state }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let mut state = self.state.borrow_mut();
        state.dropped = true;
        if let Some(f) = state.unlisten.take() {
            let _ = f.call0(&JsValue::NULL);
        }
        state.handler = None;
    }
}

/// A repeating timer (the window's `setInterval`); stops when dropped.
pub struct Interval {
    id: Option<i32>,
    _tick: Closure<dyn FnMut()>,
}

/// Calls `tick` every `ms` milliseconds until the returned [`Interval`] is dropped. Without a
/// window it never ticks.
pub fn every(ms: i32, tick: impl FnMut() + 'static) -> Interval {
    let closure = Closure::<dyn FnMut()>::new(tick);
    let id = web_sys::window().and_then(|w| {
        w.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms)
            .ok()
    });
    Interval { id, _tick: closure }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let (Some(window), Some(id)) = (web_sys::window(), self.id) {
            window.clear_interval_with_handle(id);
        }
    }
}
