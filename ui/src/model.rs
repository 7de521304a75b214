//! The UI's state as a reducer, so plain `#[test]`s can drive it.

use std::collections::BTreeMap;
use std::rc::Rc;

use frontdoor_ipc::{AppView, ErrorCode, ErrorDto, Subject, UnlockAnswer, UnlockView};

use crate::words::{Arg, Lang};
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
    /// A quiet look at the hub (while a message says it or Cobot cannot be reached) answered:
    /// a fresh view ends the message, a failure only updates the words of the one shown.
    Retried(Result<Box<AppView>, ErrorDto>),
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

/// Whether a message says the hub or Cobot cannot be reached (it ends when the hub answers).
fn about_the_hub(error: &ErrorDto) -> bool {
    error.code.subject().ends_when_the_hub_answers()
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

    /// The messages on screen, one per subject: the banner's (the last command's) and the
    /// shell's notice when it is about something else.
    pub fn messages<'a>(&'a self, notice: Option<&'a ErrorDto>) -> (Option<&'a ErrorDto>, Option<&'a ErrorDto>) {
        let notice = notice.filter(|n| self.error.as_ref().is_none_or(|e| e.code.subject() != n.code.subject()));
        (self.error.as_ref(), notice)
    }

    /// Whether a message on screen says the hub or Cobot cannot be reached (the window then
    /// looks at the hub again every few seconds, and the message goes once it answers).
    pub fn waits_for_the_hub(&self) -> bool {
        let signed_in = self.view.as_ref().is_some_and(|v| v.session.is_some());
        signed_in
            && (self.error.as_ref().is_some_and(about_the_hub)
                || self
                    .view
                    .as_ref()
                    .and_then(|v| v.notice.as_ref())
                    .is_some_and(about_the_hub)
                || self
                    .doors
                    .values()
                    .any(|d| matches!(d, DoorState::Failed { error, .. } if about_the_hub(error))))
    }

    /// The hub answered (a fresh door list, or a door opened): messages saying it or Cobot
    /// could not be reached have ended.
    fn hub_answered(&mut self) {
        self.drop_messages(about_the_hub);
    }

    /// A new message on `subject` replaces every older one on it, wherever it was shown.
    fn replace_subject(&mut self, subject: Subject) {
        self.drop_messages(|e| e.code.subject() == subject);
    }

    /// Takes off the screen every message (the banner's, a door's) that `gone` says has ended.
    fn drop_messages(&mut self, gone: impl Fn(&ErrorDto) -> bool) {
        if self.error.as_ref().is_some_and(&gone) {
            self.error = None;
        }
        self.doors
            .retain(|_, d| !matches!(d, DoorState::Failed { error, .. } if gone(error)));
    }

    /// Takes a view; one with a fresh door list means the hub answered.
    fn take_view(&mut self, view: AppView) {
        let fresh = view.access.as_ref().is_some_and(|a| !a.stale);
        let newer = self.view.as_ref().is_none_or(|shown| view.revision >= shown.revision);
        // A new notice from the shell is newer than the banner: on the same subject it replaces it.
        let shown = self.view.as_ref().and_then(|v| v.notice.as_ref());
        if let Some(notice) = view.notice.as_ref().filter(|n| newer && Some(*n) != shown) {
            if self
                .error
                .as_ref()
                .is_some_and(|e| e.code.subject() == notice.code.subject())
            {
                self.error = None;
            }
        }
        self.keep_newest(view);
        if fresh && newer {
            self.hub_answered();
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
                next.take_view(*view);
            }
            Action::Failed(error) => {
                next.busy = false;
                next.replace_subject(error.code.subject());
                next.error = Some(error);
            }
            Action::Retried(Ok(view)) => next.take_view(*view),
            Action::Retried(Err(error)) => {
                // Only new words for a message still shown: a dismissed one stays dismissed.
                let subject = error.code.subject();
                if next.error.as_ref().is_some_and(|e| e.code.subject() == subject) {
                    next.error = Some(error.clone());
                }
                for d in next.doors.values_mut() {
                    if let DoorState::Failed { error: shown, .. } = d {
                        if shown.code.subject() == subject {
                            *shown = error.clone();
                        }
                    }
                }
            }
            Action::DismissError => next.error = None,
            Action::Unlocking { door, tap } => {
                next.doors.insert(door, DoorState::Opening { tap });
            }
            Action::Unlocked { door, tap, answer } => {
                let UnlockAnswer { unlock, view } = *answer;
                next.keep_newest(view);
                next.hub_answered();
                next.doors.insert(door, DoorState::Opened { tap, unlock });
            }
            Action::UnlockFailed { door, tap, error } => {
                next.replace_subject(error.code.subject());
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
pub fn reached_words(seconds: i64, lang: Lang) -> String {
    match seconds.max(0) {
        s if s < 60 => lang.t("reached-just-now"),
        s if s < 3600 => lang.t_args("reached-minutes", &[("n", Arg::Number(s / 60))]),
        s if s < 2 * 86_400 => lang.t_args("reached-hours", &[("n", Arg::Number(s / 3600))]),
        s => lang.t_args("reached-days", &[("n", Arg::Number(s / 86_400))]),
    }
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
        use crate::words::Lang;
        assert_eq!(super::reached_words(30, Lang::En), "Cobot last reached just now");
        assert_eq!(
            super::reached_words(3 * 3600 + 5, Lang::En),
            "Cobot last reached 3 h ago"
        );
        assert_eq!(
            super::reached_words(3 * 86_400, Lang::En),
            "Cobot last reached 3 days ago"
        );
        assert_eq!(
            super::reached_words(3 * 86_400, Lang::De),
            "Cobot zuletzt vor 3 Tagen erreicht"
        );
        assert_eq!(
            super::reached_words(3 * 3600 + 5, Lang::De),
            "Cobot zuletzt vor 3 Std. erreicht"
        );
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

    /// A signed-in view at `revision`; `stale` marks the door list as the hub's last answer.
    fn signed_in(revision: u64, notice: Option<ErrorDto>, stale: bool) -> Action {
        Action::View(Box::new(AppView {
            revision,
            spaces: vec![space()],
            session: Some(frontdoor_ipc::SessionView {
                subdomain: "lighthouse".into(),
                user_id: "u".into(),
                name: "Alex".into(),
                email: None,
                memberships: vec![],
            }),
            access: Some(frontdoor_ipc::AccessView {
                as_of: "2026-12-07T09:00:00Z".into(),
                fetched_at: "2026-12-07T09:00:00Z".into(),
                stale,
                plans: vec![],
                doors: vec![],
                check_in: None,
                recent_check_ins: vec![],
            }),
            notice,
            ..AppView::default()
        }))
    }

    fn hub_down(words: &str) -> ErrorDto {
        ErrorDto::new(ErrorCode::HubUnreachable, words)
    }

    #[test]
    fn the_hub_cant_be_reached_goes_by_itself_once_the_hub_answers_and_is_never_shown_twice() {
        let gone = hub_down("The hub at hub.example could not be reached.");
        let notice = hub_down("The hub could not be reached after signing in.");
        let mut model = run(vec![
            signed_in(1, Some(notice.clone()), true),
            Action::Started,
            Action::Failed(gone.clone()),
        ]);
        // One message per subject: the banner's newer words, not the shell's older copy too.
        assert_eq!(
            model.messages(model.view.as_ref().unwrap().notice.as_ref()),
            (Some(&gone), None)
        );
        assert!(model.waits_for_the_hub(), "the window keeps looking at the hub");

        // A quiet look that fails again only updates the words.
        let still = hub_down("The hub at hub.example could not be reached (timed out).");
        model = model.reduce(Action::Retried(Err(still.clone())));
        assert_eq!(model.error, Some(still));

        // The hub answers: a fresh door list ends the message, with nobody dismissing it.
        model = model.reduce(Action::Retried(Ok(Box::new(match signed_in(2, None, false) {
            Action::View(v) => *v,
            _ => unreachable!(),
        }))));
        assert_eq!(model.error, None);
        assert!(!model.waits_for_the_hub());

        // A notice that arrives later on the same subject replaces the banner.
        let later = hub_down("The hub could not be reached after the link was opened.");
        model = model.reduce(Action::Failed(gone.clone()));
        model = model.reduce(signed_in(3, Some(later.clone()), true));
        assert_eq!(
            model.messages(model.view.as_ref().unwrap().notice.as_ref()),
            (None, Some(&later))
        );

        // A stale list (the hub's last answer, shown offline) ends nothing.
        model = model.reduce(Action::Failed(gone.clone()));
        model = model.reduce(signed_in(4, Some(later), true));
        assert_eq!(model.error, Some(gone), "still offline");
    }

    #[test]
    fn a_door_that_opens_ends_every_hub_message_and_refusals_do_not_stack() {
        let mut model = run(vec![
            signed_in(1, None, false),
            tap("front", 1),
            Action::UnlockFailed {
                door: "front".into(),
                tap: 1,
                error: hub_down("The hub could not be reached."),
            },
            tap("workshop", 2),
            Action::UnlockFailed {
                door: "workshop".into(),
                tap: 2,
                error: hub_down("The hub could not be reached."),
            },
        ]);
        assert_eq!(
            model.doors.len(),
            1,
            "one copy, at the door tapped last: {:?}",
            model.doors
        );
        assert!(matches!(model.doors.get("workshop"), Some(DoorState::Failed { .. })));

        // Refusals: the newer one replaces the older, at whichever door.
        let closed = |door: &str| ErrorDto::new(ErrorCode::NoAccess, format!("{door} does not open for you now."));
        model = model
            .reduce(tap("front", 3))
            .reduce(Action::UnlockFailed {
                door: "front".into(),
                tap: 3,
                error: closed("Front door"),
            })
            .reduce(tap("workshop", 4))
            .reduce(Action::UnlockFailed {
                door: "workshop".into(),
                tap: 4,
                error: closed("Workshop"),
            });
        assert_eq!(model.doors.len(), 1, "{:?}", model.doors);

        // The hub unreachable in the banner, then a door opens: the banner goes.
        model = model.reduce(Action::Failed(hub_down("The hub could not be reached.")));
        assert!(model.doors.contains_key("workshop"), "a refusal is not about the hub");
        model = model.reduce(tap("front", 5)).reduce(Action::Unlocked {
            door: "front".into(),
            tap: 5,
            answer: Box::new(opened("front")),
        });
        assert_eq!(model.error, None);
    }
}
