# Die Konsole des Teams: ihr Rahmen, die Reiter Mitglieder, Zugang und Cobot, Cobot prüfen, die Statusleiste und die QR-Codes.

## Von den Tabs der Konsole geteilt
console-loading = Die Konsole wird geladen…
console-saved-to = Gespeichert unter { $path }
console-save = Speichern
console-form-invalid = Bitte prüfe das Formular.

## Mitglieder
console-members-search = Name, E-Mail, Tarif oder Zugangsgruppe suchen
console-members-count = { $total ->
    [one] { $shown } von { $total } Mitglied
   *[other] { $shown } von { $total } Mitgliedern
  }
console-members-name = Name
console-members-plans = Tarife
console-members-status = Status
console-members-groups = Zugangsgruppen
console-members-doors-now = Türen jetzt
console-members-unknown = unbekannt: { $groups }
console-members-no-doors = keine
console-members-unknown-groups = Das Feld der Mitgliedschaft nennt Zugangsgruppen, die der Hub nicht hat: { $groups }. Sie öffnen nichts.
console-members-opens = öffnet
console-members-closed = geschlossen
console-members-extra-title = Zusätzliche Gruppen (stehen im benutzerdefinierten Feld bei Cobot)
console-members-save-extra = Zusätzliche Gruppen speichern

## Zugang
console-access-not-loaded = Die Zugangseinstellungen ließen sich nicht laden.
console-access-groups-title = Zugangsgruppen
console-access-identifier = Kennung
console-access-name = Name
console-access-when = Wann
console-access-always = immer
console-access-edit = Bearbeiten
console-access-delete = Löschen
console-access-new-group = Neue Zugangsgruppe
console-access-edit-group = Zugangsgruppe bearbeiten
console-access-plans-title = Tarife aus Cobot
console-access-plans-help = Welche Zugangsgruppen jeder Tarif seinen Mitgliedern gibt.
console-access-plan = Tarif
console-access-groups = Zugangsgruppen
console-access-no-plans = Noch keine Tarife: Verbinde zuerst Cobot und gleiche dann ab.
console-access-unknown-plans = Zuordnungen, die Tarife nennen, die Cobot nicht hat: { $plans }
console-access-extra-title = Zusätzliche Gruppen aus der Mitgliedschaft
console-access-extra-read = smart_spaces_access_additional_units aus jeder Mitgliedschaft lesen (fehlt das Feld, wird es in Cobot angelegt)
console-access-changes-title = Letzte Änderungen
console-access-changed = { $by } hat { $what } geändert
console-access-identifier-label = Kennung (das Team trägt sie in das Feld „zusätzliche Gruppen“ der Mitgliedschaft ein)
console-access-schedule-label = Wann (in { $zone }; leer für immer), z. B. Mon-Fri 07:00-22:00; Sat 10:00-16:00
console-access-save-group = Zugangsgruppe speichern
console-access-id-missing = Gib der Zugangsgruppe eine Kennung, z. B. Mitglieder.
console-access-id-characters = Verwende nur Buchstaben, Ziffern, Leerzeichen, „-“, „_“ oder „.“.
console-access-pick-door = Wähle mindestens eine Tür.

## Cobot
console-cobot-connection-title = Verbindung zu Cobot
console-cobot-connected = Verbunden
console-cobot-refused = Von Cobot abgelehnt – neu verbinden
console-cobot-not-connected = Nicht verbunden
console-cobot-scopes = Berechtigungen: { $scopes }
console-cobot-connect = Cobot verbinden
console-cobot-reconnect = Cobot neu verbinden
console-cobot-disconnect = Trennen
console-cobot-sync-title = Abgleich mit Cobot
console-cobot-next-sync = Nächster geplanter Abgleich: { $time }
console-cobot-no-sync = Kein Abgleich geplant.
console-cobot-interval = Intervall (Minuten)
console-cobot-minutes-invalid = Gib eine ganze Zahl an Minuten an, von 5 bis 1440.
console-cobot-sync-now = Jetzt abgleichen
console-cobot-starting = Der Abgleich startet…
# Wo ein Abgleich steht, vor den Worten des Hubs dazu.
console-cobot-phase-starting = startet
console-cobot-phase-plans = Tarife
console-cobot-phase-memberships = Mitgliedschaften
console-cobot-phase-custom-fields = benutzerdefinierte Felder
console-cobot-phase-applying = wird übernommen
console-cobot-phase-done = fertig
console-cobot-phase-failed = fehlgeschlagen
console-cobot-run-started = Gestartet
console-cobot-run-kind = Art
console-cobot-run-result = Ergebnis
console-cobot-run-report = Bericht
console-cobot-run-applied = übernommen
console-cobot-run-failed = fehlgeschlagen
# Der Bericht eines Abgleichs: „Bezeichnung: die Namen“ oder „3 hinzugefügt“.
console-cobot-report-list = { $label }: { $items }
console-cobot-report-count = { $n } { $label }
console-cobot-report-members = { $n ->
    [one] { $n } Mitglied
   *[other] { $n } Mitglieder
  }
console-cobot-report-added = hinzugefügt
console-cobot-report-removed = entfernt
console-cobot-report-changed = geändert
console-cobot-report-unknown-groups = unbekannte Gruppenkennungen
console-cobot-report-without-user = ohne Cobot-Benutzer
console-cobot-report-plans-without-assignment = Tarife ohne Zuordnung
console-cobot-report-unknown-plans = Zuordnungen zu Tarifen, die Cobot nicht hat
console-cobot-report-unmatched-plans = Mitglieder, deren Tarif zu keinem Tarif in Cobots Liste passt
console-cobot-report-renamed-plans = Zuordnungen, die einen Tarif noch unter seinem alten Namen nennen
console-cobot-report-skipped = Datensätze von Cobot, die sich nicht lesen ließen (unverändert behalten)
console-cobot-report-webhooks = Webhooks

## Cobot prüfen
console-doctor-title = Cobot prüfen
console-doctor-help = Der Hub prüft am Cobot deines Spaces alles, worauf Frontdoor sich verlässt: die Anmeldung, das ID-Token, die Berechtigungen des Tokens, die Zeitzone, die Webhooks und welche Check-ins er sehen kann.
console-doctor-run = Jetzt prüfen
console-doctor-checking = Wird geprüft…
console-doctor-checked = Geprüft am { $time }
console-doctor-verdict-ok = OK
console-doctor-verdict-warn = Ansehen
console-doctor-verdict-fail = Fehler
console-doctor-verdict-unknown = Noch unbekannt

## QR-Codes
console-qr-print-title = Codes drucken
console-qr-print-help = Ein Bogen mit dem Aufkleber jeder Tür und dem Beitrittscode, zum Drucken in 100 % Größe.
console-qr-save-a4 = Aufkleberbogen speichern (A4)
console-qr-save-letter = Aufkleberbogen speichern (Letter)
console-qr-open-to-print = Zum Drucken öffnen
console-qr-join-title = Dem Space beitreten
console-qr-save-join = Beitrittscode speichern (SVG)
console-qr-save-door = Code speichern (SVG)
console-qr-no-code = Der Hub hat keinen Code geschickt.
console-qr-no-doors = Der Hub hat noch keine Türen.
console-qr-loading = Die Codes werden geladen…

## Die Statusleiste (die Fakten des Hubs)
light-cobot-refused = Cobot hat die Verbindung des Hubs abgelehnt: Verbinde ihn im Reiter Cobot neu
light-cobot-failed = Cobot nicht verbunden: Der letzte Versuch schlug fehl ({ $why }); versuch es im Reiter Cobot noch einmal
light-cobot-not-connected = Cobot nicht verbunden: Verbinde ihn im Reiter Cobot
light-sign-in-failed = Die letzte Anmeldung eines Mitglieds schlug fehl ({ $why }); siehe Reiter Cobot und Cobot prüfen
light-reconnect-failed = Cobot verbunden, aber der letzte Versuch, neu zu verbinden, schlug fehl ({ $why }); siehe Cobot prüfen
light-cobot-connected = Cobot verbunden
light-never-synced = Noch nie mit Cobot abgeglichen
light-copy-too-old = Cobot zuletzt { $age } erreicht: Die Türen der Mitglieder bleiben zu, bis der Hub Cobot wieder erreicht
light-sync-failed = Der letzte Abgleich schlug fehl ({ $age }); siehe Reiter Cobot
light-sync-late = Letzter Abgleich { $age }: verspätet
light-synced = Letzter Abgleich { $age }
light-doors-ready = { $n ->
    [one] Eine Tür bereit
   *[other] { $n } Türen bereit
  }
light-doors-offline = { $n ->
    [one] Eine Tür
   *[other] { $n } Türen
  } offline: { $names }
light-check-ins-fine = Check-ins heute in Ordnung
light-check-ins-failing = { $n ->
    [one] Ein Check-in schlägt
   *[other] { $n } Check-ins schlagen
  } heute fehl: siehe Check-ins
