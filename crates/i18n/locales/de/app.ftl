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
tab-fleet = Flotte

## Was ein Tippen bewirkt hat
unlock-opened = { $door } ist offen.
unlock-unconfirmed = Der Hub hat den Befehl an { $door } geschickt; das Relais hat ihn nicht bestätigt. Wenn die Tür zu geblieben ist, tippe noch einmal.
check-in-checking = Du wirst bei Cobot eingecheckt…
check-in-already = Du bist heute schon eingecheckt.
open-sheet-checks = Der Hub prüft, ob du sie jetzt öffnen darfst.
welcome-link-placeholder = frontdoor://… oder https://…/join?…

## Warum eine Tür aufgeht oder zu bleibt, wie ein Tarif steht, wo der heutige Check-in ist (die Fakten des Hubs)
reason-from-plan = Tarif { $plan } → Gruppe { $group }
reason-from-extra-group = zusätzliche Gruppe { $group } aus deiner Mitgliedschaft
reason-granted-hours = { $source }, { $hours }
reason-outside-hours = { $source }: nur { $hours }
reason-not-confirmed = deine Mitgliedschaft ist noch nicht bestätigt
reason-not-started = deine Mitgliedschaft beginnt am { $date }
reason-ended = deine Mitgliedschaft endete am { $date }
reason-no-group-opens-door = keiner deiner Tarife und keine deiner Gruppen öffnet diese Tür
reason-no-groups = dein Tarif gibt keinen Zugang zu Türen
reason-unknown-door = diese Tür ist nicht eingerichtet
reason-copy-too-old = Der Hub hat Cobot zuletzt { $age } erreicht – länger, als { $space } Mitglieder ohne Cobot hereinlässt ({ $hours } Stunden). Darum kann er nicht mehr sagen, ob deine Mitgliedschaft noch gilt. Das Team kann dich weiterhin hereinlassen.
reason-staff = Das Team von { $space } darf jede Tür öffnen
age-just-now = gerade eben
age-minutes = vor { $n } Min.
age-hours = vor { $n } Std.
age-days = vor { $n ->
    [one] einem Tag
   *[other] { $n } Tagen
  }
day-mon = Mo
day-tue = Di
day-wed = Mi
day-thu = Do
day-fri = Fr
day-sat = Sa
day-sun = So
day-daily = täglich
standing-active = aktiv
standing-active-ends = aktiv, endet nach dem { $date }
standing-not-confirmed = noch nicht bestätigt
standing-starts = beginnt am { $date }
standing-ended = endete am { $date }
check-in-from-until = Eingecheckt von { $since } bis { $until } Uhr
check-in-since = Eingecheckt seit { $since } Uhr
check-in-done = Eingecheckt
check-in-refused = Cobot hat dich nicht eingecheckt: { $cobot }
check-in-refused-silently = Cobot hat dich nicht eingecheckt und keinen Grund genannt
check-in-missed = Nicht eingecheckt: Cobot war an dem Tag nicht erreichbar.
check-in-retrying = Du wirst bei Cobot eingecheckt – Cobot hat noch nicht geantwortet; der Hub versucht es weiter.

## Was ein Fehler bedeutet und was zu tun ist (von der App gesagt, wo der Satz des Hubs nicht in der Sprache der Person ist)
error-help-invalid-link = Das ist kein Frontdoor-Link. Scanne den Code in deinem Space noch einmal oder frag das Team nach dem Beitrittslink.
error-help-unknown-hub = Diese Adresse hat nicht als Frontdoor-Hub dieses Spaces geantwortet. Prüfe die Hub-Adresse mit dem Team deines Spaces.
error-help-untrusted-sign-in = Der Hub wollte dich bei einer Adresse anmelden, der Frontdoor nicht als Cobot vertraut, darum ging nichts dorthin. Sag dem Team deines Spaces Bescheid.
error-help-cobot-unreachable = Cobot ist nicht erreichbar. Prüfe deine Verbindung und versuch es gleich noch einmal.
error-help-consent-denied = Du hast Frontdoor dein Cobot-Konto nicht freigegeben, darum bist du nicht angemeldet. Melde dich noch einmal an, um es zu erlauben.
error-help-state-mismatch = Die Antwort gehörte nicht zu der Anmeldung, die diese App begonnen hat, darum wurde sie abgelehnt. Beginne die Anmeldung neu.
error-help-expired-code = Die Anmeldung hat zu lange gedauert oder wurde schon benutzt. Melde dich neu an.
error-help-no-sign-in = Es läuft keine Anmeldung. Tippe auf „Mit Cobot anmelden“, um eine zu beginnen.
error-help-sign-in-cancelled = Die Anmeldung wurde abgebrochen. Melde dich an, wenn du so weit bist.
error-help-sign-in-again = Deine Anmeldung ist abgelaufen. Melde dich neu mit Cobot an.
error-help-no-space = Tritt zuerst deinem Space bei: Scanne seinen Code oder füge seinen Beitrittslink ein.
error-help-not-a-member = Der Hub kennt dein Cobot-Konto nicht als Mitglied dieses Spaces. Melde dich mit dem Konto deiner Mitgliedschaft an oder frag das Team.
error-help-hub-unreachable = Der Hub ist nicht erreichbar. Du siehst seine letzte Antwort; Frontdoor versucht es von selbst wieder.
error-help-not-signed-in = Melde dich zuerst mit Cobot an.
error-help-no-pending-open = Keine Tür wartet darauf, geöffnet zu werden. Scanne den Code der Tür noch einmal.
error-help-no-access = Diese Tür öffnet gerade nicht für dich; die Zeile der Tür sagt, warum.
error-help-unknown-door = Dieser Space hat keine solche Tür. Aktualisiere, um seine Türen zu sehen.
error-help-slow-down = Zu viele Versuche in kurzer Zeit. Warte einen Moment und versuch es dann noch einmal.
error-help-door-did-not-answer = Die Tür hat dem Hub nicht geantwortet; sie kann offen sein oder nicht. Versuch es noch einmal oder frag das Team, wenn sie zu bleibt.
error-help-door-failed = Das Relais der Tür hat einen Fehler gemeldet und nicht geöffnet. Versuch es noch einmal oder frag das Team.
error-help-door-not-connected = Diese Tür ist gerade nicht mit dem Hub verbunden. Frag das Team.
error-help-no-membership-data = Der Hub hat die Mitgliedschaften des Spaces noch nicht von Cobot gelesen und lässt darum niemanden herein. Bitte das Team, seine Verbindung zu Cobot zu prüfen.
error-help-membership-data-too-old = Der Hub hat Cobot zu lange nicht erreicht, um zu sagen, ob deine Mitgliedschaft noch gilt. Das Team kann dich weiterhin hereinlassen.
error-help-unlock-interrupted = Das Öffnen wurde unterbrochen. Tippe noch einmal.
error-help-membership-ended = Deine Mitgliedschaft ist beendet, darum wurde dieses Gerät abgemeldet.
error-help-not-staff = Das darf nur das Team des Spaces.
error-help-hub-not-ready = Der Hub ist dafür noch nicht eingerichtet. Frag das Team.
error-help-audit-unavailable = Der Hub kann sein Protokoll gerade nicht schreiben, darum bleibt die Tür zu. Frag das Team.
error-help-conflict = Jemand anderes hat das inzwischen geändert. Lade neu und mach deine Änderung noch einmal.
error-help-unknown-item = Das gibt es nicht mehr. Lade neu, um zu sehen, was da ist.
error-help-not-saved = Die Datei ließ sich auf diesem Gerät nicht speichern.
error-help-not-confirmed = Du hast nicht mit Fingerabdruck oder Gesicht bestätigt, darum wurde nichts geöffnet.
