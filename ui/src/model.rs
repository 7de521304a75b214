//! The UI's state as a reducer, so plain `#[test]`s can drive it.

use std::rc::Rc;

use frontdoor_ipc::{AppView, ErrorDto};
use yew::Reducible;

/// What the window shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// The shell's view, once loaded.
    pub view: Option<AppView>,
    /// A command is running.
    pub busy: bool,
    /// The last command's error.
    pub error: Option<ErrorDto>,
}

/// What can happen to the model.
#[derive(Debug, Clone)]
pub enum Action {
    /// A command started.
    Started,
    /// A new view arrived (a command's answer or an event).
    View(Box<AppView>),
    /// A command failed.
    Failed(ErrorDto),
    /// The person closed the error.
    DismissError,
}

/// Which screen to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Still loading.
    Loading,
    /// Nothing joined: join by link, QR or name.
    Welcome,
    /// A join waits for confirmation.
    ConfirmJoin,
    /// Signing in in the browser.
    SigningIn,
    /// Signed in.
    SignedIn,
    /// A space is joined but nobody is signed in.
    SignedOut,
}

impl Model {
    /// The screen for this model.
    pub fn screen(&self) -> Screen {
        match &self.view {
            None => Screen::Loading,
            Some(v) if v.pending_join.is_some() => Screen::ConfirmJoin,
            Some(v) if v.signing_in.is_some() => Screen::SigningIn,
            Some(v) if v.session.is_some() => Screen::SignedIn,
            Some(v) if !v.spaces.is_empty() => Screen::SignedOut,
            Some(_) => Screen::Welcome,
        }
    }
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Started => {
                next.busy = true;
                next.error = None;
            }
            Action::View(view) => {
                next.busy = false;
                next.view = Some(*view);
            }
            Action::Failed(error) => {
                next.busy = false;
                next.error = Some(error);
            }
            Action::DismissError => next.error = None,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdoor_ipc::{ErrorCode, JoinOffer, SigningInView, SpaceView};

    fn space() -> SpaceView {
        SpaceView {
            subdomain: "lighthouse".into(),
            name: "Lighthouse".into(),
            hub_url: "http://127.0.0.1:1".into(),
            sign_in_host: "127.0.0.1:2".into(),
        }
    }

    fn check(actions: Vec<Action>, expected: Screen) {
        let mut model = Rc::new(Model::default());
        for a in actions {
            model = model.reduce(a);
        }
        assert_eq!(model.screen(), expected);
    }

    #[test]
    fn screens_follow_the_view() {
        check(vec![], Screen::Loading);
        check(vec![Action::View(Box::default())], Screen::Welcome);
        let offer = AppView {
            pending_join: Some(JoinOffer { space: space() }),
            ..AppView::default()
        };
        check(vec![Action::View(Box::new(offer))], Screen::ConfirmJoin);
        let signing = AppView {
            spaces: vec![space()],
            signing_in: Some(SigningInView {
                subdomain: "lighthouse".into(),
                redirect: frontdoor_ipc::RedirectKind::DeepLink,
                authorize_url: "http://x".into(),
            }),
            ..AppView::default()
        };
        check(vec![Action::View(Box::new(signing))], Screen::SigningIn);
        let joined = AppView {
            spaces: vec![space()],
            ..AppView::default()
        };
        check(vec![Action::View(Box::new(joined))], Screen::SignedOut);
    }

    #[test]
    fn a_failed_command_keeps_the_screen_and_shows_the_error() {
        let mut model = Rc::new(Model::default()).reduce(Action::View(Box::default()));
        model = model.reduce(Action::Started);
        assert!(model.busy);
        model = model.reduce(Action::Failed(ErrorDto::new(ErrorCode::UnknownHub, "no hub")));
        assert!(!model.busy);
        assert_eq!(model.screen(), Screen::Welcome);
        assert_eq!(model.error.as_ref().map(|e| e.code), Some(ErrorCode::UnknownHub));
        model = model.reduce(Action::Started);
        assert_eq!(model.error, None, "starting again clears the old error");
    }
}
