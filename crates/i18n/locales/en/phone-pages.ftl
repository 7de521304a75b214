# The hub's pages a phone's camera opens from a printed code (join code, door sticker).

phone-open-button = Open in Frontdoor
phone-join-title = Join { $space }
phone-join-lead = Frontdoor shows your plans at { $space } and opens its doors with one tap.
phone-join-confirm = Frontdoor asks you to confirm, then you sign in with your Cobot account.
phone-join-paste = Or open Frontdoor, choose “Paste a join link” and paste:
phone-door-lead = Frontdoor asks before the door opens, and the hub checks that you may open it now.
phone-nothing-happened = Nothing happened?
phone-not-installed = Then Frontdoor is not on this phone yet.
phone-app-store = Get Frontdoor on the App Store
phone-play-store = Get Frontdoor on Google Play
phone-ask-staff = Ask { $space }'s staff how to install Frontdoor on your phone.
phone-come-back-join = Once it is installed, come back to this page and tap “Open in Frontdoor” to join.
phone-come-back-door = Once it is installed, come back to this page and tap “Open in Frontdoor” to open the door.

phone-error-title = This code doesn't work here
phone-error-hub-address = This hub's address is not set up for phones yet. Tell the space's staff: { $why }
phone-error-other-space = This code is for another space, not { $space }. Scan the code again, or ask the staff of the space you are in.
phone-error-unknown-door = { $space } has no door “{ $door }” any more. Pick the door in the Frontdoor app, or tell the space's staff.

# Why a link or page address was refused. $part is one of: space, hub, door, code, state, answer.
link-too-long = This link is too long to be a Frontdoor link (over { $max } characters).
link-not-frontdoor = This is not a Frontdoor link: it should start with frontdoor://
link-malformed = This link is damaged and can't be read.
link-unknown-kind = Frontdoor doesn't know what to do with a “{ $kind }” link. Is the app up to date?
link-missing = This link is missing its { $part ->
    [space] space
    [hub] hub address
    [door] door
    [code] sign-in code
    [state] sign-in state
   *[other] sign-in answer
  }.
link-duplicate = This link gives “{ $name }” twice, so it can't be trusted.
link-unexpected = This link has an unexpected part “{ $name }”, so it can't be trusted.
link-not-a-page = This web address is not a Frontdoor join or door page. Scan the space's Frontdoor QR code, or ask staff for the join link.
link-invalid = The { $part ->
    [space] space name
    [hub] hub address
    [door] door
    [code] sign-in code
    [state] sign-in state
   *[other] sign-in answer
  } in this link is not valid: { $reason }.
