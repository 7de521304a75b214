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

## What a tap did
unlock-opened = { $door } is open.
unlock-unconfirmed = The hub sent the command to { $door }; the relay did not confirm it. If the door stayed shut, tap again.
check-in-checking = Checking you in with Cobot…
check-in-already = You are already checked in today.
open-sheet-checks = The hub checks that you may open it now.
welcome-link-placeholder = frontdoor://… or https://…/join?…
