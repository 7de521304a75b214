# Die Seiten des Hubs, die die Kamera eines Telefons von einem gedruckten Code öffnet.

phone-open-button = In Frontdoor öffnen
phone-join-title = { $space } beitreten
phone-join-lead = Frontdoor zeigt deine Tarife bei { $space } und öffnet die Türen mit einem Tippen.
phone-join-confirm = Frontdoor fragt dich zuerst, dann meldest du dich mit deinem Cobot-Konto an.
phone-join-paste = Oder öffne Frontdoor, wähle „Beitrittslink einfügen“ und füge ein:
phone-door-lead = Frontdoor fragt, bevor sich die Tür öffnet, und der Hub prüft, ob du sie jetzt öffnen darfst.
phone-nothing-happened = Nichts passiert?
phone-not-installed = Dann ist Frontdoor noch nicht auf diesem Telefon.
phone-app-store = Frontdoor im App Store laden
phone-play-store = Frontdoor bei Google Play laden
phone-ask-staff = Frag das Team von { $space }, wie du Frontdoor auf dein Telefon bekommst.
phone-come-back-join = Wenn es installiert ist, komm auf diese Seite zurück und tippe auf „In Frontdoor öffnen“, um beizutreten.
phone-come-back-door = Wenn es installiert ist, komm auf diese Seite zurück und tippe auf „In Frontdoor öffnen“, um die Tür zu öffnen.

phone-error-title = Dieser Code funktioniert hier nicht
phone-error-hub-address = Die Adresse dieses Hubs ist noch nicht für Telefone eingerichtet. Sag dem Team des Spaces: { $why }
phone-error-other-space = Dieser Code gehört zu einem anderen Space, nicht zu { $space }. Scanne den Code noch einmal oder frag das Team des Spaces, in dem du bist.
phone-error-unknown-door = { $space } hat keine Tür „{ $door }“ mehr. Wähle die Tür in der Frontdoor-App oder sag dem Team Bescheid.

# Warum ein Link oder eine Seitenadresse abgelehnt wurde. $part: space, hub, door, code, state, answer.
link-too-long = Dieser Link ist zu lang für einen Frontdoor-Link (über { $max } Zeichen).
link-not-frontdoor = Das ist kein Frontdoor-Link: Er muss mit frontdoor:// beginnen.
link-malformed = Dieser Link ist beschädigt und kann nicht gelesen werden.
link-unknown-kind = Frontdoor weiß nicht, was es mit einem „{ $kind }“-Link tun soll. Ist die App aktuell?
link-missing = In diesem Link fehlt { $part ->
    [space] der Space
    [hub] die Hub-Adresse
    [door] die Tür
    [code] der Anmeldecode
    [state] der Anmeldestatus
   *[other] die Anmeldeantwort
  }.
link-duplicate = Dieser Link nennt „{ $name }“ zweimal, darum ist ihm nicht zu trauen.
link-unexpected = Dieser Link hat einen unerwarteten Teil „{ $name }“, darum ist ihm nicht zu trauen.
link-not-a-page = Diese Webadresse ist keine Beitritts- oder Türseite von Frontdoor. Scanne den Frontdoor-QR-Code des Spaces oder frag das Team nach dem Beitrittslink.
link-invalid = { $part ->
    [space] Der Space-Name
    [hub] Die Hub-Adresse
    [door] Die Tür
    [code] Der Anmeldecode
    [state] Der Anmeldestatus
   *[other] Die Anmeldeantwort
  } in diesem Link ist ungültig ({ $reason }).
