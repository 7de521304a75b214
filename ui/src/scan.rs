//! Phones: scanning a join or door code with the camera (Tauri's barcode-scanner plugin) and
//! opening what it holds.

use frontdoor_ipc::{ErrorCode, ErrorDto};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::words::Lang;

use crate::model::{Action, Model};
use crate::{run, tauri, LinkArgs, NoArgs};

#[derive(Serialize)]
struct ScanArgs {
    windowed: bool,
    formats: Vec<&'static str>,
}

#[derive(Deserialize)]
struct Camera {
    camera: String,
}

#[derive(Deserialize)]
struct Scanned {
    content: String,
}

/// Phones: scans a join or door code with the camera (Tauri's barcode-scanner plugin, allowed
/// by capabilities/mobile.json) and opens what it holds, as if it had been pasted.
pub(crate) fn scan_code(model: &UseReducerHandle<Model>, lang: Lang) {
    let model = model.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let camera = |words: &str| ErrorDto::new(ErrorCode::Internal, words.to_string());
        match tauri::call::<_, Camera>("plugin:barcode-scanner|request_permissions", &NoArgs {}).await {
            Ok(c) if c.camera == "granted" => {}
            Ok(_) => return model.dispatch(Action::Failed(camera(&lang.t("scan-camera-refused")))),
            Err(e) => {
                return model.dispatch(Action::Failed(camera(
                    &lang.t_args("scan-camera-failed", &[("why", (&e.message).into())]),
                )))
            }
        }
        let args = ScanArgs {
            windowed: false,
            formats: vec!["QR_CODE"],
        };
        match tauri::call::<_, Scanned>("plugin:barcode-scanner|scan", &args).await {
            Ok(scanned) => run(&model, "open_link", LinkArgs { link: scanned.content }),
            // Closing the camera is not an error worth a banner.
            Err(e) if e.message.to_ascii_lowercase().contains("cancel") => {}
            Err(e) => model.dispatch(Action::Failed(camera(
                &lang.t_args("scan-unreadable", &[("why", (&e.message).into())]),
            ))),
        }
    });
}
