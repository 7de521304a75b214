# The console's Fleet tab: the operator's fleet (every space they run) instead of this hub.

console-fleet-title = Your fleet

## Signing in
console-fleet-sign-in-help = Sign in to your fleet with its address and the staff token whoever runs it gave you. The token is kept in this computer's keychain.
console-fleet-address = Fleet address
console-fleet-token = Staff token
console-fleet-sign-in = Sign in to the fleet
console-fleet-sign-out = Sign out of the fleet
console-fleet-signed-in-as = Signed in to { $address } as { $name }.
console-fleet-again = Try again
console-fleet-address-empty = Type your fleet's address, like https://fleet.example.com.
console-fleet-address-not-web = Type the address as https://fleet.example.com (plain http:// only on this computer).
console-fleet-token-empty = Paste the staff token whoever runs your fleet gave you.
console-fleet-token-one-word = A staff token is one word, without spaces or line breaks.
console-fleet-token-refused = The fleet did not accept this staff token. Check it with whoever runs your fleet, then sign in again.
console-fleet-too-long = Use at most { $max } characters.

## Spaces and hubs
console-fleet-space = Space
console-fleet-all-spaces = All spaces
console-fleet-hub = Hub
console-fleet-no-hubs = No hub of this space has reported to the fleet yet.
console-fleet-hub-online = Linked to the fleet
console-fleet-hub-offline = Not linked since { $since }: its doors keep deciding on site
console-fleet-hub-never = Has not reported its state yet
console-fleet-reach = Reached
console-fleet-open = Open…
console-fleet-open-title = Open { $door } at { $hub }
console-fleet-open-help = The fleet asks the hub, which opens the door like a member's tap; the hub's log keeps your name and reason. Nothing is queued: a hub that is not linked now opens nothing.

## Activity
console-fleet-activity-title = Activity in your spaces
console-fleet-check-ins-only = Only entries that checked someone in
console-fleet-by-fleet = { $name } (fleet)

## Check-ins
console-fleet-check-ins-title = How check-ins ended at your hubs
console-fleet-check-ins-every-state = Every outcome
console-fleet-check-ins-when = Came in
console-fleet-check-ins-empty = No check-in has ended at these hubs yet.

## Revocations
console-fleet-revocations-title = Revocations in { $space }
console-fleet-revocations-empty = Nothing revoked in this space.
console-fleet-revoked = Ended
console-fleet-revoked-by = By
console-fleet-revoked-why = Why
console-fleet-revoked-device = Device { $id }
console-fleet-revoked-person = Every device of { $id } (staff right removed)
console-fleet-revoke-whom = End
console-fleet-revoke-device = one signed-in device
console-fleet-revoke-person = every device of a person
console-fleet-revoke-id = Device id or Cobot user id
console-fleet-revoke = Revoke at every hub
console-fleet-revoke-no-id = Name the device or the person to end.
console-fleet-revoke-bad-id = An id is 1 to { $max } letters, digits, “-” or “_”.
console-fleet-revoke-no-why = Say why (the hubs keep it with the ended device).
