# The staff console: its shell, the Members, Access and Cobot tabs, Check Cobot, the status strip and the QR codes.

## Shared by the console's tabs
console-loading = Loading the console…
console-saved-to = Saved to { $path }
console-save = Save
console-form-invalid = Please check the form.

## Members
console-members-search = Search name, email, plan or group
console-members-count = { $total ->
    [one] { $shown } of { $total } member
   *[other] { $shown } of { $total } members
  }
console-members-name = Name
console-members-plans = Plans
console-members-status = Status
console-members-groups = Groups
console-members-doors-now = Doors now
console-members-unknown = unknown: { $groups }
console-members-no-doors = none
console-members-unknown-groups = The membership's field names groups the hub does not have: { $groups }. They open nothing.
console-members-opens = opens
console-members-closed = closed
console-members-extra-title = Extra groups (written to Cobot's custom field)
console-members-save-extra = Save extra groups

## Access
console-access-not-loaded = The access setup could not be loaded.
console-access-groups-title = User groups
console-access-identifier = Identifier
console-access-name = Name
console-access-when = When
console-access-always = always
console-access-edit = Edit
console-access-delete = Delete
console-access-new-group = New group
console-access-edit-group = Edit group
console-access-plans-title = Plans from Cobot
console-access-plans-help = Which groups each plan gives its members.
console-access-plan = Plan
console-access-groups = Groups
console-access-no-plans = No plans yet: connect Cobot and sync first.
console-access-unknown-plans = Assignments naming plans Cobot does not have: { $plans }
console-access-extra-title = Extra groups from the membership
console-access-extra-read = Read smart_spaces_access_additional_units from each membership (the field is created in Cobot when missing)
console-access-changes-title = Recent changes
console-access-changed = { $by } changed { $what }
console-access-identifier-label = Identifier (staff type it into the membership's extra-groups field)
console-access-schedule-label = When (in { $zone }; empty for always), e.g. Mon-Fri 07:00-22:00; Sat 10:00-16:00
console-access-save-group = Save group
console-access-id-missing = Give the group an identifier, e.g. Members.
console-access-id-characters = Use letters, digits, spaces, '-', '_' or '.' only.
console-access-pick-door = Pick at least one door.

## Cobot
console-cobot-connection-title = Cobot connection
console-cobot-connected = Connected
console-cobot-refused = Refused by Cobot — reconnect
console-cobot-not-connected = Not connected
console-cobot-scopes = Scopes: { $scopes }
console-cobot-connect = Connect Cobot
console-cobot-reconnect = Reconnect Cobot
console-cobot-disconnect = Disconnect
console-cobot-sync-title = Sync with Cobot
console-cobot-next-sync = Next scheduled sync: { $time }
console-cobot-no-sync = No sync is scheduled.
console-cobot-interval = Every (minutes)
console-cobot-minutes-invalid = Give a whole number of minutes, 5 to 1440.
console-cobot-sync-now = Sync now
console-cobot-starting = Starting the sync…
# Where a sync is, before the hub's words about it.
console-cobot-phase-starting = starting
console-cobot-phase-plans = plans
console-cobot-phase-memberships = memberships
console-cobot-phase-custom-fields = custom_fields
console-cobot-phase-applying = applying
console-cobot-phase-done = done
console-cobot-phase-failed = failed
console-cobot-run-started = Started
console-cobot-run-kind = Kind
console-cobot-run-result = Result
console-cobot-run-report = Report
console-cobot-run-applied = applied
console-cobot-run-failed = failed
# A sync's report: "label: the names", or "3 added".
console-cobot-report-list = { $label }: { $items }
console-cobot-report-count = { $n } { $label }
console-cobot-report-members = { $n ->
    [one] { $n } member
   *[other] { $n } members
  }
console-cobot-report-added = added
console-cobot-report-removed = removed
console-cobot-report-changed = changed
console-cobot-report-unknown-groups = unknown group identifiers
console-cobot-report-without-user = without a Cobot user
console-cobot-report-plans-without-assignment = plans without an assignment
console-cobot-report-unknown-plans = assignments naming plans Cobot lacks
console-cobot-report-unmatched-plans = members whose plan matches no plan in Cobot's list
console-cobot-report-renamed-plans = assignments still naming a plan by its old name
console-cobot-report-skipped = records Cobot sent that could not be read (kept as they were)
console-cobot-report-webhooks = webhooks

## Check Cobot
console-doctor-title = Check Cobot
console-doctor-help = The hub checks, against your space's Cobot, everything Frontdoor relies on: sign-in, the ID token, the token's scopes, the time zone, webhooks, and which check-ins it can see.
console-doctor-run = Check now
console-doctor-checking = Checking…
console-doctor-checked = Checked { $time }
console-doctor-verdict-ok = OK
console-doctor-verdict-warn = Look
console-doctor-verdict-fail = Fails
console-doctor-verdict-unknown = Not known yet

## QR codes
console-qr-print-title = Print the codes
console-qr-print-help = A sheet with every door's sticker and the join code, to print at 100% scale.
console-qr-save-a4 = Save sticker sheet (A4)
console-qr-save-letter = Save sticker sheet (Letter)
console-qr-open-to-print = Open to print
console-qr-join-title = Join the space
console-qr-save-join = Save join code (SVG)
console-qr-save-door = Save code (SVG)
console-qr-no-code = The hub sent no code.
console-qr-no-doors = The hub has no doors yet.
console-qr-loading = Loading the codes…

## The status strip (the hub's facts)
light-cobot-refused = Cobot refused the hub's connection: reconnect it on the Cobot tab
light-cobot-failed = Cobot not connected: the last attempt failed ({ $why }); try again on the Cobot tab
light-cobot-not-connected = Cobot not connected: connect it on the Cobot tab
light-sign-in-failed = The last member sign-in failed ({ $why }); see the Cobot tab and Check Cobot
light-reconnect-failed = Cobot connected, but the last attempt to reconnect failed ({ $why }); see Check Cobot
light-cobot-connected = Cobot connected
light-never-synced = Never synced with Cobot
light-copy-too-old = Cobot last reached { $age }: members' doors stay shut until the hub reaches it again
light-sync-failed = The last sync failed ({ $age }); see the Cobot tab
light-sync-late = Last sync { $age }: late
light-synced = Last sync { $age }
light-doors-ready = { $n } doors ready
light-doors-offline = { $n } { $n ->
    [one] door
   *[other] doors
  } offline: { $names }
light-check-ins-fine = Check-ins fine today
light-check-ins-failing = { $n } { $n ->
    [one] check-in
   *[other] check-ins
  } failing today: see Check-ins
