//! The UI's state as a reducer, so plain `#[test]`s can drive it.

use std::collections::BTreeMap;
use std::rc::Rc;

use frontdoor_ipc::{AppView, ErrorCode, ErrorDto, UnlockAnswer, UnlockView};
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
    /// What each door the person tapped is doing, by door id.
    pub doors: BTreeMap<String, DoorState>,
}

/// One door, after the person tapped Unlock (or confirmed a door link). `tap` tells one tap's
/// result from the next, so a timer only clears the result it was set for.
#[derive(Debug, Clone, PartialEq)]
pub enum DoorState {
    /// The hub is opening it.
    Opening {
        /// Which tap.
        tap: u64,
    },
    /// It opened; shown for a few seconds.
    Opened {
        /// Which tap.
        tap: u64,
        /// What the hub said.
        unlock: UnlockView,
    },
    /// It did not open; shown until the next tap or until dismissed.
    Failed {
        /// Which tap.
        tap: u64,
        /// Why, in words.
        error: ErrorDto,
    },
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
    /// The person tapped Unlock on a door (or confirmed a door link).
    Unlocking {
        /// The door.
        door: String,
        /// This tap.
        tap: u64,
    },
    /// The door opened.
    Unlocked {
        /// The door.
        door: String,
        /// The tap.
        tap: u64,
        /// The hub's answer and the view after it.
        answer: Box<UnlockAnswer>,
    },
    /// The door did not open.
    UnlockFailed {
        /// The door.
        door: String,
        /// The tap.
        tap: u64,
        /// Why.
        error: ErrorDto,
    },
    /// A door's "open" result has been on screen long enough.
    Expire {
        /// The door.
        door: String,
        /// The tap whose result to clear (a newer tap's stays).
        tap: u64,
    },
    /// The person closed a door's result.
    DismissDoor(String),
}

/// Whether a failed unlock is about that door (shown next to it) or about the sign-in or the
/// link as a whole (shown in the banner, as the door list may be gone).
fn about_the_door(code: ErrorCode) -> bool {
    !matches!(
        code,
        ErrorCode::SignInAgain
            | ErrorCode::NotSignedIn
            | ErrorCode::NotAMember
            | ErrorCode::NoSpace
            | ErrorCode::NoPendingOpen
            | ErrorCode::InvalidLink
    )
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

    /// Takes `view` unless a newer one (a higher revision) is already shown: a command's answer
    /// can arrive after an event that was produced later.
    fn keep_newest(&mut self, view: AppView) {
        if self.view.as_ref().is_none_or(|shown| view.revision >= shown.revision) {
            self.view = Some(view);
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
                next.keep_newest(*view);
            }
            Action::Failed(error) => {
                next.busy = false;
                next.error = Some(error);
            }
            Action::DismissError => next.error = None,
            Action::Unlocking { door, tap } => {
                next.doors.insert(door, DoorState::Opening { tap });
            }
            Action::Unlocked { door, tap, answer } => {
                let UnlockAnswer { unlock, view } = *answer;
                next.keep_newest(view);
                next.doors.insert(door, DoorState::Opened { tap, unlock });
            }
            Action::UnlockFailed { door, tap, error } => {
                if about_the_door(error.code) {
                    next.doors.insert(door, DoorState::Failed { tap, error });
                } else {
                    next.doors.remove(&door);
                    next.error = Some(error);
                }
            }
            Action::Expire { door, tap } => {
                if matches!(next.doors.get(&door), Some(DoorState::Opened { tap: t, .. }) if *t == tap) {
                    next.doors.remove(&door);
                }
            }
            Action::DismissDoor(door) => {
                next.doors.remove(&door);
            }
        }
        Rc::new(next)
    }
}

/// How long ago the hub last reached Cobot, as the member's screen says it: "Cobot last reached
/// just now", "… 4 min ago", "… 3 h ago", "… 2 days ago".
pub fn reached_words(seconds: i64) -> String {
    let ago = match seconds.max(0) {
        s if s < 60 => "just now".to_string(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 2 * 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    };
    format!("Cobot last reached {ago}")
}

/// A space's name where a join link was expected (`lighthouse`, `Lighthouse.cobot.me`,
/// `https://lighthouse.cobot.me/`): the name, for the "Type your space" form. `None` for
/// anything else, which goes to the app as a link (and is refused there in words when it is not
/// one). A name is what the hub accepts: letters, digits and '-', not at either end, ≤ 63.
pub fn typed_space_name(typed: &str) -> Option<String> {
    let lower = typed.trim().to_ascii_lowercase();
    let bare = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let bare = bare.strip_suffix('/').unwrap_or(bare);
    let name = bare.strip_suffix(".cobot.me").unwrap_or(bare);
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    valid.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_space_name_typed_where_a_link_goes_is_recognised_and_links_are_not() {
        for typed in [
            "lighthouse",
            " Lighthouse ",
            "lighthouse.cobot.me",
            "https://lighthouse.cobot.me/",
        ] {
            assert_eq!(super::typed_space_name(typed).as_deref(), Some("lighthouse"), "{typed}");
        }
        assert_eq!(super::typed_space_name("co-up2").as_deref(), Some("co-up2"));
        for typed in [
            "",
            "frontdoor://join?space=lighthouse&hub=https://hub.example",
            "https://hub.example/join?space=lighthouse",
            "hub.example.com",
            "-lighthouse",
            "light house",
        ] {
            assert_eq!(super::typed_space_name(typed), None, "{typed}");
        }
    }

    #[test]
    fn the_copys_age_reads_like_people_say_it() {
        assert_eq!(super::reached_words(30), "Cobot last reached just now");
        assert_eq!(super::reached_words(3 * 3600 + 5), "Cobot last reached 3 h ago");
        assert_eq!(super::reached_words(3 * 86_400), "Cobot last reached 3 days ago");
    }

    use super::*;
    use frontdoor_ipc::{CheckInNote, JoinOffer, SigningInView, SpaceView, UnlockOutcome};

    #[test]
    fn an_older_view_arriving_late_does_not_replace_a_newer_one() {
        let newer = AppView {
            revision: 7,
            spaces: vec![space()],
            ..AppView::default()
        };
        let older = AppView {
            revision: 6,
            ..AppView::default()
        };
        let model = Rc::new(Model::default())
            .reduce(Action::View(Box::new(newer)))
            .reduce(Action::View(Box::new(older)));
        assert_eq!(model.view.as_ref().map(|v| v.revision), Some(7));
        assert_eq!(model.screen(), Screen::SignedOut);
    }

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
            pending_join: Some(JoinOffer {
                space: space(),
                replaces_hub: None,
                unlisted_sign_in: None,
            }),
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

    fn opened(door: &str) -> UnlockAnswer {
        UnlockAnswer {
            unlock: UnlockView {
                door_id: door.into(),
                door_name: "Front door".into(),
                outcome: UnlockOutcome::Opened,
                message: "Front door is open.".into(),
                merged: false,
                check_in: CheckInNote::CheckingIn,
                check_in_message: Some("Checking you in with Cobot…".into()),
            },
            view: AppView {
                spaces: vec![space()],
                ..AppView::default()
            },
        }
    }

    fn run(actions: Vec<Action>) -> Rc<Model> {
        actions.into_iter().fold(
            Rc::new(Model::default()).reduce(Action::View(Box::default())),
            |m, a| m.reduce(a),
        )
    }

    fn tap(door: &str, tap: u64) -> Action {
        Action::Unlocking { door: door.into(), tap }
    }

    #[test]
    fn a_tapped_door_is_opening_then_open_for_a_while() {
        let model = run(vec![tap("front", 1)]);
        assert_eq!(model.doors.get("front"), Some(&DoorState::Opening { tap: 1 }));
        assert!(!model.busy, "the rest of the screen stays usable");

        let answer = opened("front");
        let model = run(vec![
            tap("front", 1),
            Action::Unlocked {
                door: "front".into(),
                tap: 1,
                answer: Box::new(answer.clone()),
            },
        ]);
        assert_eq!(
            model.doors.get("front"),
            Some(&DoorState::Opened {
                tap: 1,
                unlock: answer.unlock.clone()
            })
        );
        assert_eq!(
            model.view,
            Some(answer.view.clone()),
            "the answer's view replaces the old one"
        );

        let later = model.clone().reduce(Action::View(Box::default()));
        assert!(
            later.doors.contains_key("front"),
            "a view event keeps the door's result"
        );
        let expired = model.reduce(Action::Expire {
            door: "front".into(),
            tap: 1,
        });
        assert!(expired.doors.is_empty());
    }

    #[test]
    fn an_old_timer_does_not_clear_a_newer_tap() {
        let model = run(vec![
            tap("front", 1),
            Action::Unlocked {
                door: "front".into(),
                tap: 1,
                answer: Box::new(opened("front")),
            },
            tap("front", 2),
            Action::Expire {
                door: "front".into(),
                tap: 1,
            },
        ]);
        assert_eq!(model.doors.get("front"), Some(&DoorState::Opening { tap: 2 }));
    }

    #[test]
    fn a_refusal_stays_next_to_its_door_until_the_next_tap() {
        let refused = ErrorDto::new(ErrorCode::NoAccess, "Workshop does not open for you now: closed.");
        let model = run(vec![
            tap("workshop", 1),
            Action::UnlockFailed {
                door: "workshop".into(),
                tap: 1,
                error: refused.clone(),
            },
            Action::Expire {
                door: "workshop".into(),
                tap: 1,
            },
        ]);
        assert_eq!(
            model.doors.get("workshop"),
            Some(&DoorState::Failed { tap: 1, error: refused }),
            "a reason stays until the person has read it"
        );
        assert_eq!(model.error, None, "not in the banner");
        let model = model.reduce(tap("workshop", 2));
        assert_eq!(model.doors.get("workshop"), Some(&DoorState::Opening { tap: 2 }));
        let model = model.reduce(Action::DismissDoor("workshop".into()));
        assert!(model.doors.is_empty());
    }

    #[test]
    fn a_sign_in_that_ended_goes_to_the_banner_not_the_door() {
        let ended = ErrorDto::new(ErrorCode::SignInAgain, "Please sign in again.");
        let model = run(vec![
            tap("front", 1),
            Action::UnlockFailed {
                door: "front".into(),
                tap: 1,
                error: ended.clone(),
            },
        ]);
        assert!(model.doors.is_empty());
        assert_eq!(model.error, Some(ended));
    }
}
