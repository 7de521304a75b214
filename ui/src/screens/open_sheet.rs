//! The sheet a door link raises: "Open Front door at Lighthouse Coworking?", Open or Cancel.

use frontdoor_ipc::OpenOffer;
use yew::prelude::*;

use crate::words::use_lang;

use super::door::open_door;
use crate::model::{DoorState, Model};
use crate::{run, NoArgs};

#[derive(Properties, PartialEq)]
pub(crate) struct OpenSheetProps {
    pub(crate) model: UseReducerHandle<Model>,
    pub(crate) offer: OpenOffer,
}

/// A door link asks before anything opens: "Open Front door at Lighthouse Coworking?"
#[function_component(OpenSheet)]
pub(crate) fn open_sheet(props: &OpenSheetProps) -> Html {
    let lang = use_lang();
    let offer = &props.offer;
    let opening = matches!(props.model.doors.get(&offer.door_id), Some(DoorState::Opening { .. }));
    let confirm = {
        let (model, door) = (props.model.clone(), offer.door_id.clone());
        Callback::from(move |_| open_door(&model, "confirm_open", door.clone(), NoArgs {}))
    };
    let cancel = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "cancel_open", NoArgs {}))
    };
    html! {
        <div class="sheet-backdrop">
            <section id="open-sheet" class="sheet" role="dialog" aria-modal="true" aria-labelledby="open-sheet-title"
                data-door={offer.door_id.clone()}>
                <h2 id="open-sheet-title">{ lang.t_args("open-sheet-title", &[("door", (&offer.door_name).into()), ("space", (&offer.space_name).into())]) }</h2>
                <p class="muted">{ lang.t("open-sheet-checks") }</p>
                <button id="open-confirm" class="primary" disabled={opening} onclick={confirm}>
                    { if opening { lang.t("opening") } else { lang.t("open") } }
                </button>
                <button id="open-cancel" disabled={opening} onclick={cancel}>{ lang.t("cancel") }</button>
            </section>
        </div>
    }
}
