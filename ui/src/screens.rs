//! The window's screens, one file each: [`Welcome`] (join a space), [`ConfirmJoin`],
//! [`SigningIn`], [`SignedIn`] (with the member's [`access`] to plans and doors and the phone's
//! settings) and [`SignedOut`]; plus the [`OpenSheet`] a door link raises over any of them, and
//! the [`door`] parts (a door's row, what happened after a tap) they share, and the
//! [`LanguagePicker`] at the foot of every screen.

mod access;
mod confirm_join;
mod door;
mod language;
mod open_sheet;
mod phone_settings;
mod signed_in;
mod signed_out;
mod signing_in;
mod welcome;

use frontdoor_ipc::AppView;
use yew::prelude::*;

use crate::model::Model;

pub(crate) use confirm_join::ConfirmJoin;
pub(crate) use language::LanguagePicker;
pub(crate) use open_sheet::OpenSheet;
pub(crate) use signed_in::SignedIn;
pub(crate) use signed_out::SignedOut;
pub(crate) use signing_in::SigningIn;
pub(crate) use welcome::Welcome;

#[derive(Properties, PartialEq)]
pub(crate) struct ScreenProps {
    pub(crate) model: UseReducerHandle<Model>,
    pub(crate) view: AppView,
}
