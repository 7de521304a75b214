# Das Fenster der App: die Bildschirme der Mitglieder (Telefon und Desktop), das Fehlerbanner und die Einstellungen.

app-title = Frontdoor
dismiss = Schließen
cancel = Abbrechen
language = Sprache
language-system = Wie das System ({ $name })

## Willkommen
welcome-title = Willkommen
welcome-lead = Tritt deinem Coworking-Space bei, um deine Tarife zu sehen und seine Türen zu öffnen.
welcome-scan-title = QR-Code scannen
welcome-scan-help = Richte die Kamera deines Telefons auf den Frontdoor-QR-Code am Empfang deines Spaces. Er öffnet diese App und tritt dem Space bei.
welcome-scan-button = Mit Frontdoor scannen
welcome-link-title = Beitrittslink einfügen
welcome-join = Beitreten
welcome-typed-title = Space eintippen
welcome-typed-name = „{ $name }“ ist der Name deines Spaces, kein Beitrittslink: Er steht jetzt unten. Ergänze die Adresse deines Hubs (frag das Team deines Spaces) und tippe auf Beitreten.
welcome-space-label = Name des Spaces (der Teil vor .cobot.me)
welcome-hub-label = Hub-Adresse (frag das Team deines Spaces)

## Beitreten
join-title = { $space } beitreten?
join-other-hub = Du bist { $space } schon über den Hub unter { $current } beigetreten. Dieser Link nennt einen anderen Hub. Mach nur weiter, wenn das Team des Spaces dir gesagt hat, dass der Hub umgezogen ist: Beim alten wirst du hier abgemeldet, und nichts davon geht an den neuen. Abbrechen lässt alles, wie es ist.
join-unlisted-domain = { $space } meldet auf einer eigenen Adresse an, { $host }. Cobot führt den Space unter { $listed }, nicht dort, darum kann Frontdoor das nicht für dich prüfen: Mach nur weiter, wenn dein Space dir gesagt hat, dass du dich bei { $host } anmeldest. Frontdoor merkt sich deine Antwort.
join-space = Space
join-hub = Hub
join-sign-in-at = Du meldest dich an bei
join-only-known = Tritt nur Spaces bei, die du kennst. Frontdoor öffnet die Anmeldeseite von Cobot in deinem Browser.
join-confirm = Beitreten und anmelden

## Anmelden
signing-in-title = Anmeldung läuft…
signing-in-deep-link = Melde dich in deinem Browser bei Cobot an; er bringt dich danach hierher zurück.
signing-in-loopback = Melde dich in deinem Browser bei Cobot an und komm dann zu diesem Fenster zurück.
signing-in-no-browser = Kein Browser geöffnet?
signing-in-open-by-hand = Öffne diese Adresse in deinem Browser:
signed-out = Du bist nicht angemeldet.
sign-in = Mit Cobot anmelden

## Angemeldet
hello = Hallo,
your-spaces = Deine Spaces
role-member = Mitglied
role-admin = Admin
role-member-admin = Mitglied · Admin
no-memberships = Dein Cobot-Konto hat noch keine Mitgliedschaften.
refresh = Aktualisieren
sign-out = Abmelden
token-memory-only = Deine Anmeldung bleibt nur erhalten, solange die App läuft: { $reason }. Nach einem Neustart von Frontdoor meldest du dich wieder an.

## Der Zugang des Mitglieds
your-plans = Deine Tarife
no-plan = Kein Tarif in diesem Space.
plan-since = seit { $date }
plan-until = bis { $date }
doors = Türen
recent-check-ins = Letzte Check-ins
reached-just-now = Cobot gerade eben erreicht
reached-minutes = Cobot zuletzt vor { $n } Min. erreicht
reached-hours = Cobot zuletzt vor { $n } Std. erreicht
reached-days = Cobot zuletzt vor { $n ->
    [one] einem Tag
   *[other] { $n } Tagen
  } erreicht
as-of = Stand { $time }
offline = — offline: Das ist die letzte Antwort des Hubs
door-open-now = Du kannst sie jetzt öffnen
door-closed-now = Für dich gerade geschlossen
unlock = Öffnen
unlock-door = { $door } öffnen
opening = Wird geöffnet…
open-sheet-title = { $door } bei { $space } öffnen?
open = Öffnen

## Telefon-Einstellungen
scan-door = Code einer Tür scannen
confirm-with = Vor dem Öffnen einer Tür mit { $how } bestätigen
confirm-missing = Du wolltest vor dem Öffnen bestätigen, aber auf diesem Telefon ist gerade kein Fingerabdruck und kein Gesicht eingerichtet.
confirm-stop = Nicht mehr bestätigen
scan-camera-refused = Frontdoor darf die Kamera nicht benutzen. Erlaube es in den Einstellungen des Telefons und tippe noch einmal auf Scannen – oder füge den Link ein.
scan-camera-failed = Die Kamera ließ sich nicht starten ({ $why }). Füge stattdessen den Link ein.
scan-unreadable = Der Code ließ sich nicht lesen ({ $why }). Versuch es bei besserem Licht noch einmal oder füge den Link ein.

## Ein kurzer Titel für jede Art von Fehler; die Nachricht sagt den Rest.
error-not-signed-in = Nicht angemeldet
error-refused-for-safety = Anmeldung zu deiner Sicherheit abgelehnt
error-sign-in-again = Bitte melde dich neu an
error-cobot-unreachable = Cobot ist nicht erreichbar
error-unknown-hub = Unbekannter Hub
error-hub-unreachable = Der Hub ist nicht erreichbar
error-not-a-member = Keine Mitgliedschaft gefunden
error-invalid-link = Dieser Link funktioniert nicht
error-no-space = Tritt zuerst dem Space bei
error-sign-in-first = Melde dich zuerst an
error-nothing-to-open = Nichts zu öffnen
error-no-access = Gerade nicht für dich offen
error-unknown-door = Unbekannte Tür
error-slow-down = Langsamer, bitte
error-door-did-not-answer = Die Tür hat nicht geantwortet
error-door-did-not-open = Die Tür hat sich nicht geöffnet
error-door-not-connected = Tür nicht verbunden
error-hub-not-ready = Der Hub ist noch nicht bereit
error-hub-cannot-reach-cobot = Der Hub erreicht Cobot nicht
error-membership-ended = Mitgliedschaft beendet
error-staff-only = Nur für das Team
error-door-stays-shut = Die Tür bleibt zu
error-check-the-form = Bitte prüfe das Formular
error-conflict = Jemand anderes hat das geändert
error-not-found = Nicht gefunden
error-not-saved = Datei nicht gespeichert
error-not-confirmed = Nicht bestätigt
error-sign-in-failed = Anmeldung fehlgeschlagen
error-internal = Etwas ist schiefgelaufen

## Die Tabs der Konsole (Desktop, Team)
loading = Wird geladen…
tab-mine = Meine Türen
tab-members = Mitglieder
tab-access = Zugang
tab-cobot = Cobot
tab-doors = Türen
tab-activity = Aktivität
tab-check-ins = Check-ins
tab-qr = QR-Codes

## Was ein Tippen bewirkt hat
unlock-opened = { $door } ist offen.
unlock-unconfirmed = Der Hub hat den Befehl an { $door } geschickt; das Relais hat ihn nicht bestätigt. Wenn die Tür zu geblieben ist, tippe noch einmal.
check-in-checking = Du wirst bei Cobot eingecheckt…
check-in-already = Du bist heute schon eingecheckt.
open-sheet-checks = Der Hub prüft, ob du sie jetzt öffnen darfst.
welcome-link-placeholder = frontdoor://… oder https://…/join?…
