# The staff console's Doors, Activity and Check-ins tabs.

## Doors
console-doors-loading = Loading the doors…
console-doors-filter = Filter doors by name or id
console-doors-add = Add a door
console-doors-door = Door
console-doors-driver = Driver
console-doors-state = State
console-doors-last-error = Last error
console-doors-last-opened = Last opened
console-doors-openings = Openings
console-doors-groups = Groups
console-doors-test = Test
console-doors-edit = Edit
console-doors-remove = Remove
# After the door's id, on a door where entering checks members in.
console-doors-entrance = entrance
console-doors-latency-help = p50 and p95: the hub's handling time of the door's latest openings (up to 200), relay round trip included, from the audit log.
# A door's state; $why is the hub's own account of the broker.
console-doors-reach-online = Online
console-doors-reach-offline = Offline (its Last Will)
console-doors-reach-broker-down = Broker down: { $why }
console-doors-reach-unknown = Known when used
console-doors-reach-no-driver = No driver
# How the hub opens a door, as the form offers it.
console-doors-kind-none = No driver yet
console-doors-kind-shelly-gen2 = Shelly Gen2+ / Gen3 (HTTP)
console-doors-kind-shelly-gen1 = Shelly Gen1 (HTTP)
console-doors-kind-home-assistant = Home Assistant
console-doors-kind-mqtt = MQTT relay (Tasmota, Zigbee2MQTT, Shelly)
console-doors-kind-webhook = Signed webhook
# A door's driver in the table: its address and what it switches.
console-doors-driver-shelly-gen2 = Shelly Gen2 { $url } switch { $channel }
console-doors-driver-shelly-gen1 = Shelly Gen1 { $url } relay { $relay }
console-doors-driver-home-assistant = Home Assistant { $service } { $entity }
console-doors-driver-mqtt = MQTT { $profile } { $topic }
console-doors-driver-webhook = Webhook { $url }
# Where a door's secret comes from; $name is the credential's name in the hub's configuration.
console-doors-secret-stored = Stored (sealed)
console-doors-secret-credential = Credential { $name }
# The form.
console-doors-edit-title = Edit { $name }
console-doors-id-label = Id (in the door's QR link)
console-doors-name-label = Name
console-doors-name-placeholder = Side door
console-doors-entrance-label = Entering here checks members in
console-doors-pulse-label = Release the strike for (ms)
console-doors-kind-label = How the hub opens it
console-doors-device-address = Device address
console-doors-switch-id = Switch id
console-doors-relay = Relay
console-doors-login = Login (default admin)
console-doors-ha-address = Home Assistant address
console-doors-service = Service
console-doors-entity = Entity
console-doors-self-off = The switch's device turns itself off (Shelly auto-off, Tasmota PulseTime)
console-doors-on-broker = On the hub's broker { $broker }.
console-doors-no-broker = The hub has no MQTT broker: add an [mqtt] section to its configuration file first.
console-doors-profile = Profile
console-doors-friendly-name = Friendly name
console-doors-topic-prefix = Topic prefix
console-doors-topic = Topic
console-doors-base-topic = Base topic (default zigbee2mqtt)
console-doors-receiver-address = Receiver address
console-doors-secret-device-password = Device password (if it has one)
console-doors-secret-ha-token = Long-lived access token
console-doors-secret-webhook = Signing secret (whsec_…)
console-doors-secret-stored-placeholder = Stored — type a new one to replace it
console-doors-secret-new-placeholder = Typed once; never shown again
console-doors-clear-secret = Remove the stored secret
console-doors-save = Save door
# What the form says beside a wrong field, before the hub is asked.
console-doors-wrong-id = Use 1 to 64 letters, digits, '_' or '-'; the id is part of the door's QR link.
console-doors-wrong-name = Give the door a name people know it by.
console-doors-wrong-pulse = Release the strike for 500 to 30,000 milliseconds (3,000 is usual).
console-doors-wrong-number = Use a whole number.
console-doors-wrong-url = Enter the device's address as http://… or https://…, e.g. http://192.168.1.20/
console-doors-wrong-self-off = switch.turn_on leaves the door open unless the device turns itself off; set that up, then tick this.
console-doors-wrong-entity = Enter the entity, e.g. lock.front_door.
console-doors-wrong-ha-token = Enter the Home Assistant long-lived access token.
console-doors-wrong-zigbee2mqtt-name = Enter the device's Zigbee2MQTT friendly name.
console-doors-wrong-shelly-prefix = Enter the Shelly's MQTT topic prefix.
console-doors-wrong-tasmota-topic = Enter the device's Tasmota topic.
console-doors-wrong-webhook-secret = Enter the webhook's signing secret (whsec_…).
console-doors-wrong-webhook-prefix = A signing secret starts with whsec_.
console-doors-wrong-kind = Pick how the hub opens this door.
console-doors-wrong-secret-again = This door now points at another device (its driver or address changed). Enter its password or token again: the stored one is only sent to the device it was entered for. Or tick “Remove the stored secret”.

## Activity
console-activity-person = Person (name or Cobot user id)
console-activity-door = Door
console-activity-any-door = Any door
console-activity-outcome = Outcome
console-activity-any-outcome = Any outcome
# An audit row's outcome, as the filter and the table show it.
console-activity-outcome-opened = opened
console-activity-outcome-refused = refused
console-activity-outcome-failed = failed
console-activity-outcome-merged = merged
console-activity-outcome-opening = opening
console-activity-outcome-interrupted = interrupted
console-activity-from = From
console-activity-to = To
console-activity-show = Show
console-activity-clear = Clear filters
console-activity-export = Export CSV
console-activity-count = { $n ->
    [one] { $n } row, newest first; updated every few seconds while this tab is open.
   *[other] { $n } rows, newest first; updated every few seconds while this tab is open.
  }
console-activity-when = When
console-activity-who = Who
console-activity-reasons = Code / reasons
console-activity-latency = Latency
console-activity-check-in = Check-in
console-activity-empty = Nothing recorded for these filters.
console-activity-older = Older
console-activity-staff = staff
console-activity-no-session = no session
# $reason is what staff typed when they opened the door.
console-activity-remote-reason = Opened remotely by staff: { $reason }
console-activity-latency-title = Opening times per door (latest 200 openings)
console-activity-openings = Openings
console-activity-remote-title = Open a door remotely
console-activity-remote-help = For a visitor or a courier. The door opens like a member's tap; the log keeps your name and reason.
console-activity-reason-label = Reason (for the log)
console-activity-reason-placeholder = Courier for Alex
console-activity-open = Open the door
console-activity-reason-empty = Say why the door is opened remotely (for example “courier for Alex”).
console-activity-reason-too-long = Use at most { $max } characters.
console-activity-reason-one-line = Use one line of text.

## Check-ins
console-check-ins-loading = Loading check-ins…
console-check-ins-day = Day (the space's time zone)
console-check-ins-today = Today
console-check-ins-member = Member
console-check-ins-state = State
console-check-ins-why = Why
console-check-ins-attempts = Attempts
console-check-ins-next-attempt = Next attempt
console-check-ins-empty = Nobody was checked in through Frontdoor on { $day }.
console-check-ins-state-pending = Pending
console-check-ins-state-checked-in = Checked in
console-check-ins-state-refused = Refused by Cobot
console-check-ins-state-missed = Missed
console-check-ins-since = Since { $time }
console-check-ins-retry = Retry
console-check-ins-policy-title = Check-in policy
console-check-ins-policy-label = When Frontdoor checks members in with Cobot
console-check-ins-policy-once-per-day = Check in: an entry checks the member in unless Cobot has them checked in already
console-check-ins-policy-off = Off: Frontdoor checks nobody in
console-check-ins-no-pass-label = A member Cobot will not check in (no time pass left)
console-check-ins-no-pass-open-anyway = Open anyway and show Cobot's refusal (as Cobot's own door integrations do)
console-check-ins-no-pass-refuse = Keep the door shut with Cobot's words
# The policy in force, in a word or two each (in English as the hub names them).
console-check-ins-in-force = In force: { $policy }, { $no_pass }
console-check-ins-in-force-once-per-day = once-per-day
console-check-ins-in-force-off = off
console-check-ins-in-force-open-anyway = open-anyway
console-check-ins-in-force-refuse = refuse
console-check-ins-save-policy = Save policy
