# The app's window: the member's screens (phones and desktops), the error banner and settings.

app-title = Frontdoor
dismiss = Dismiss
cancel = Cancel
language = Language
language-system = As the system ({ $name })

## Welcome
welcome-title = Welcome
welcome-lead = Join your coworking space to see your plans and open its doors.
welcome-scan-title = Scan the QR code
welcome-scan-help = Point your phone's camera at the Frontdoor QR code at your space's reception. It opens this app and joins the space.
welcome-scan-button = Scan with Frontdoor
welcome-link-title = Paste a join link
welcome-join = Join
welcome-typed-title = Type your space
welcome-typed-name = “{ $name }” is your space's name, not a join link: it is filled in below. Add your hub's address (ask your space's staff), then Join.
welcome-space-label = Space name (the part before .cobot.me)
welcome-hub-label = Hub address (ask your space's staff)

## Joining
join-title = Join { $space }?
join-other-hub = You already joined { $space } through the hub at { $current }. This link names a different hub. Only continue if the space's staff told you the hub moved: you will be signed out of the old one here, and nothing of it is sent to the new one. Cancel keeps everything as it is.
join-unlisted-domain = { $space } signs in on its own address, { $host }. Cobot lists the space at { $listed }, not there, so Frontdoor cannot check it for you: only continue if your space told you to sign in at { $host }. Frontdoor remembers your answer.
join-space = Space
join-hub = Hub
join-sign-in-at = You will sign in at
join-only-known = Only join spaces you know. Frontdoor will open Cobot's sign-in page in your browser.
join-confirm = Join and sign in

## Signing in
signing-in-title = Signing in…
signing-in-deep-link = Finish signing in to Cobot in your browser; it will bring you back here.
signing-in-loopback = Finish signing in to Cobot in your browser, then come back to this window.
signing-in-no-browser = No browser opened?
signing-in-open-by-hand = Open this address in your browser:
signed-out = You are not signed in.
sign-in = Sign in with Cobot

## Signed in
hello = Hello,
your-spaces = Your spaces
role-member = Member
role-admin = Admin
role-member-admin = Member · Admin
no-memberships = Your Cobot account has no memberships yet.
refresh = Refresh
sign-out = Sign out
token-memory-only = Your sign-in is kept only while the app runs: { $reason }. You'll sign in again after restarting Frontdoor.

## The member's access
your-plans = Your plans
no-plan = No plan at this space.
plan-since = since { $date }
plan-until = until { $date }
doors = Doors
recent-check-ins = Recent check-ins
reached-just-now = Cobot last reached just now
reached-minutes = Cobot last reached { $n } min ago
reached-hours = Cobot last reached { $n } h ago
reached-days = Cobot last reached { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
  }
as-of = As of { $time }
offline = — offline: this is the hub's last answer
door-open-now = You can open it now
door-closed-now = Closed for you now
unlock = Unlock
unlock-door = Unlock { $door }
opening = Opening…
open-sheet-title = Open { $door } at { $space }?
open = Open

## Phone settings
scan-door = Scan a door's code
confirm-with = Confirm with { $how } before a door opens
confirm-missing = You asked to confirm before doors open, but this phone has no fingerprint or face set up now.
confirm-stop = Stop confirming
scan-camera-refused = Frontdoor may not use the camera. Allow it in the phone's settings, then tap Scan again — or paste the link.
scan-camera-failed = The camera could not be started ({ $why }). Paste the link instead.
scan-unreadable = The code could not be read ({ $why }). Try again in better light, or paste the link.

## A short title for each kind of error; the message says the rest.
error-not-signed-in = Not signed in
error-refused-for-safety = Sign-in refused for your safety
error-sign-in-again = Please sign in again
error-cobot-unreachable = Cobot can't be reached
error-unknown-hub = Unknown hub
error-hub-unreachable = The hub can't be reached
error-not-a-member = No membership found
error-invalid-link = That link doesn't work
error-no-space = Join the space first
error-sign-in-first = Sign in first
error-nothing-to-open = Nothing to open
error-no-access = Not open for you now
error-unknown-door = Unknown door
error-slow-down = Slow down
error-door-did-not-answer = The door didn't answer
error-door-did-not-open = The door didn't open
error-door-not-connected = Door not connected
error-hub-not-ready = The hub isn't ready
error-hub-cannot-reach-cobot = The hub can't reach Cobot
error-membership-ended = Membership ended
error-staff-only = Staff only
error-door-stays-shut = The door stays shut
error-check-the-form = Please check the form
error-conflict = Someone else changed this
error-not-found = Not found
error-not-saved = File not saved
error-not-confirmed = Not confirmed
error-sign-in-failed = Sign-in failed
error-internal = Something went wrong

## The console's tabs (desktop, staff)
loading = Loading…
tab-mine = My doors
tab-members = Members
tab-access = Access
tab-cobot = Cobot
tab-doors = Doors
tab-activity = Activity
tab-check-ins = Check-ins
tab-qr = QR codes
tab-fleet = Fleet

## What a tap did
unlock-opened = { $door } is open.
unlock-unconfirmed = The hub sent the command to { $door }; the relay did not confirm it. If the door stayed shut, tap again.
check-in-checking = Checking you in with Cobot…
check-in-already = You are already checked in today.
open-sheet-checks = The hub checks that you may open it now.
welcome-link-placeholder = frontdoor://… or https://…/join?…

## Why a door opens or stays shut, how a plan stands, where today's check-in is (the hub's facts)
reason-from-plan = Plan { $plan } → group { $group }
reason-from-extra-group = extra group { $group } from your membership
reason-granted-hours = { $source }, { $hours }
reason-outside-hours = { $source }: only { $hours }
reason-not-confirmed = your membership is not confirmed yet
reason-not-started = your membership starts on { $date }
reason-ended = your membership ended on { $date }
reason-no-group-opens-door = none of your plans or groups opens this door
reason-no-groups = your plan gives no door access
reason-unknown-door = this door is not set up
reason-copy-too-old = The hub last reached Cobot { $age }, longer than { $space } lets members in without it ({ $hours } hours), so it can no longer tell whether your membership is current. Staff can still let you in.
reason-staff = Staff of { $space } may open every door
age-just-now = just now
age-minutes = { $n } min ago
age-hours = { $n } h ago
age-days = { $n } days ago
day-mon = Mon
day-tue = Tue
day-wed = Wed
day-thu = Thu
day-fri = Fri
day-sat = Sat
day-sun = Sun
day-daily = daily
standing-active = active
standing-active-ends = active, ends after { $date }
standing-not-confirmed = not confirmed yet
standing-starts = starts on { $date }
standing-ended = ended on { $date }
check-in-from-until = Checked in from { $since } until { $until }
check-in-since = Checked in since { $since }
check-in-done = Checked in
check-in-refused = Cobot did not check you in: { $cobot }
check-in-refused-silently = Cobot did not check you in: no reason given
check-in-missed = Not checked in: Cobot could not be reached that day.
check-in-retrying = Checking you in with Cobot — it has not answered yet; the hub keeps trying.

## What an error means and what to do (said by the app where the hub's own sentence is not in the person's language)
error-help-invalid-link = This link is not a Frontdoor link. Scan the code at your space again, or ask its staff for the join link.
error-help-unknown-hub = That address did not answer as a Frontdoor hub for this space. Check the hub address with your space's staff.
error-help-untrusted-sign-in = The hub asked you to sign in at an address Frontdoor does not trust as Cobot, so nothing was sent there. Tell your space's staff.
error-help-cobot-unreachable = Cobot could not be reached. Check your connection and try again in a moment.
error-help-consent-denied = You did not allow Frontdoor to use your Cobot account, so you are not signed in. Sign in again to allow it.
error-help-state-mismatch = The sign-in answer did not belong to the sign-in this app started, so it was refused. Start the sign-in again.
error-help-expired-code = The sign-in took too long or was already used. Sign in again.
error-help-no-sign-in = No sign-in is running. Tap “Sign in with Cobot” to start one.
error-help-sign-in-cancelled = The sign-in was cancelled. Sign in again when you are ready.
error-help-sign-in-again = Your sign-in has ended. Sign in again with Cobot.
error-help-no-space = Join your space first: scan its code or paste its join link.
error-help-not-a-member = The hub does not know your Cobot account as a member of this space. Sign in with the account your membership is on, or ask staff.
error-help-hub-unreachable = The hub could not be reached. What you see is its last answer; Frontdoor tries again by itself.
error-help-not-signed-in = Sign in with Cobot first.
error-help-no-pending-open = There is no door waiting to be opened. Scan the door's code again.
error-help-no-access = This door does not open for you now; the door's line says why.
error-help-unknown-door = This space has no such door. Refresh to see its doors.
error-help-slow-down = Too many tries in a short time. Wait a moment, then try again.
error-help-door-did-not-answer = The door did not answer the hub, so it may or may not have opened. Try again, or ask staff if it stays shut.
error-help-door-failed = The door's relay reported an error and did not open. Try again, or ask staff.
error-help-door-not-connected = This door is not connected to the hub right now. Ask staff.
error-help-no-membership-data = The hub has not read the space's memberships from Cobot yet, so it lets nobody in. Ask staff to check its connection to Cobot.
error-help-membership-data-too-old = The hub has not reached Cobot for too long to tell whether your membership is current. Staff can still let you in.
error-help-unlock-interrupted = The opening was interrupted. Tap again.
error-help-membership-ended = Your membership has ended, so this device was signed out.
error-help-not-staff = Only the space's staff may do this.
error-help-hub-not-ready = The hub is not set up for this yet. Ask staff.
error-help-audit-unavailable = The hub cannot write its log right now, so the door stays shut. Ask staff.
error-help-conflict = Someone else changed this meanwhile. Reload and make your change again.
error-help-unknown-item = That item no longer exists. Reload to see what is there.
error-help-not-saved = The file could not be saved on this device.
error-help-not-confirmed = You did not confirm with your fingerprint or face, so nothing was opened.
