# Die Reiter Türen, Aktivität und Check-ins der Konsole des Teams.

## Türen
console-doors-loading = Die Türen werden geladen…
console-doors-filter = Türen nach Name oder ID filtern
console-doors-add = Tür hinzufügen
console-doors-door = Tür
console-doors-driver = Treiber
console-doors-state = Zustand
console-doors-last-error = Letzter Fehler
console-doors-last-opened = Zuletzt geöffnet
console-doors-openings = Öffnungen
console-doors-groups = Zugangsgruppen
console-doors-test = Testen
console-doors-edit = Bearbeiten
console-doors-remove = Entfernen
# Nach der ID einer Tür, bei der das Eintreten Mitglieder eincheckt.
console-doors-entrance = Eingang
console-doors-latency-help = p50 und p95: die Antwortzeit des Hubs bei den letzten Öffnungen der Tür (bis zu 200), einschließlich des Wegs zum Relais und zurück, aus dem Protokoll.
# Der Zustand einer Tür; $why sind die Worte des Hubs über den Broker.
console-doors-reach-online = Online
console-doors-reach-offline = Offline (laut ihrem Last Will)
console-doors-reach-broker-down = Broker nicht erreichbar: { $why }
console-doors-reach-unknown = Bekannt, sobald benutzt
console-doors-reach-no-driver = Kein Treiber
# Wie der Hub eine Tür öffnet, zur Auswahl im Formular.
console-doors-kind-none = Noch kein Treiber
console-doors-kind-shelly-gen2 = Shelly Gen2+ / Gen3 (HTTP)
console-doors-kind-shelly-gen1 = Shelly Gen1 (HTTP)
console-doors-kind-home-assistant = Home Assistant
console-doors-kind-mqtt = MQTT-Relais (Tasmota, Zigbee2MQTT, Shelly)
console-doors-kind-webhook = Signierter Webhook
# Der Treiber einer Tür in der Tabelle: seine Adresse und was er schaltet.
console-doors-driver-shelly-gen2 = Shelly Gen2 { $url } Schalter { $channel }
console-doors-driver-shelly-gen1 = Shelly Gen1 { $url } Relais { $relay }
console-doors-driver-home-assistant = Home Assistant { $service } { $entity }
console-doors-driver-mqtt = MQTT { $profile } { $topic }
console-doors-driver-webhook = Webhook { $url }
# Woher das Geheimnis einer Tür kommt; $name ist der Name der Zugangsdaten in der Konfiguration des Hubs.
console-doors-secret-stored = Gespeichert (versiegelt)
console-doors-secret-credential = Zugangsdaten { $name }
# Das Formular.
console-doors-edit-title = { $name } bearbeiten
console-doors-id-label = ID (im QR-Link der Tür)
console-doors-name-label = Name
console-doors-name-placeholder = Seitentür
console-doors-entrance-label = Wer hier eintritt, wird als Mitglied eingecheckt
console-doors-pulse-label = Türöffner auslösen für (ms)
console-doors-kind-label = Wie der Hub sie öffnet
console-doors-device-address = Adresse des Geräts
console-doors-switch-id = Schalter-ID
console-doors-relay = Relais
console-doors-login = Benutzername (Standard: admin)
console-doors-ha-address = Adresse von Home Assistant
console-doors-service = Dienst
console-doors-entity = Entität
console-doors-self-off = Das Gerät des Schalters schaltet sich selbst ab (Shelly Auto-Off, Tasmota PulseTime)
console-doors-on-broker = Am Broker des Hubs { $broker }.
console-doors-no-broker = Der Hub hat keinen MQTT-Broker: Ergänze zuerst einen Abschnitt [mqtt] in seiner Konfigurationsdatei.
console-doors-profile = Profil
console-doors-friendly-name = Friendly Name
console-doors-topic-prefix = Topic-Präfix
console-doors-topic = Topic
console-doors-base-topic = Basis-Topic (Standard: zigbee2mqtt)
console-doors-receiver-address = Adresse des Empfängers
console-doors-secret-device-password = Passwort des Geräts (falls es eines hat)
console-doors-secret-ha-token = Langlebiger Zugangs-Token
console-doors-secret-webhook = Signaturschlüssel (whsec_…)
console-doors-secret-stored-placeholder = Gespeichert – tippe einen neuen ein, um ihn zu ersetzen
console-doors-secret-new-placeholder = Einmal eingetippt, nie wieder angezeigt
console-doors-clear-secret = Gespeichertes Geheimnis entfernen
console-doors-save = Tür speichern
# Was das Formular neben einem falschen Feld sagt, bevor der Hub gefragt wird.
console-doors-wrong-id = Verwende 1 bis 64 Buchstaben, Ziffern, „_“ oder „-“; die ID ist Teil des QR-Links der Tür.
console-doors-wrong-name = Gib der Tür einen Namen, unter dem man sie kennt.
console-doors-wrong-pulse = Löse den Türöffner für 500 bis 30.000 Millisekunden aus (üblich sind 3.000).
console-doors-wrong-number = Gib eine ganze Zahl an.
console-doors-wrong-url = Gib die Adresse des Geräts als http://… oder https://… ein, z. B. http://192.168.1.20/
console-doors-wrong-self-off = switch.turn_on lässt die Tür offen, wenn sich das Gerät nicht selbst abschaltet; richte das ein und setze dann hier das Häkchen.
console-doors-wrong-entity = Gib die Entität ein, z. B. lock.front_door.
console-doors-wrong-ha-token = Gib den langlebigen Zugangs-Token von Home Assistant ein.
console-doors-wrong-zigbee2mqtt-name = Gib den Friendly Name des Geräts in Zigbee2MQTT ein.
console-doors-wrong-shelly-prefix = Gib das MQTT-Topic-Präfix des Shelly ein.
console-doors-wrong-tasmota-topic = Gib das Tasmota-Topic des Geräts ein.
console-doors-wrong-webhook-secret = Gib den Signaturschlüssel des Webhooks ein (whsec_…).
console-doors-wrong-webhook-prefix = Ein Signaturschlüssel beginnt mit whsec_.
console-doors-wrong-kind = Wähle, wie der Hub diese Tür öffnet.
console-doors-wrong-secret-again = Diese Tür zeigt jetzt auf ein anderes Gerät (ihr Treiber oder ihre Adresse hat sich geändert). Gib sein Passwort oder seinen Token noch einmal ein: Der gespeicherte geht nur an das Gerät, für das er eingegeben wurde. Oder setze das Häkchen bei „Gespeichertes Geheimnis entfernen“.

## Aktivität
console-activity-person = Person (Name oder Cobot-Benutzer-ID)
console-activity-door = Tür
console-activity-any-door = Alle Türen
console-activity-outcome = Ergebnis
console-activity-any-outcome = Alle Ergebnisse
# Das Ergebnis eines Protokolleintrags, im Filter und in der Tabelle.
console-activity-outcome-opened = geöffnet
console-activity-outcome-refused = abgelehnt
console-activity-outcome-failed = fehlgeschlagen
console-activity-outcome-merged = zusammengefasst
console-activity-outcome-opening = wird geöffnet
console-activity-outcome-interrupted = unterbrochen
console-activity-from = Von
console-activity-to = Bis
console-activity-show = Anzeigen
console-activity-clear = Filter zurücksetzen
console-activity-export = CSV exportieren
console-activity-count = { $n ->
    [one] { $n } Eintrag, der neueste zuerst; wird alle paar Sekunden aktualisiert, solange dieser Tab offen ist.
   *[other] { $n } Einträge, die neuesten zuerst; wird alle paar Sekunden aktualisiert, solange dieser Tab offen ist.
  }
console-activity-when = Wann
console-activity-who = Wer
console-activity-reasons = Code / Gründe
console-activity-latency = Antwortzeit
console-activity-check-in = Check-in
console-activity-empty = Für diese Filter ist nichts verzeichnet.
console-activity-older = Ältere
console-activity-staff = Team
console-activity-no-session = keine Sitzung
# $reason ist, was das Team beim Öffnen der Tür eingetippt hat.
console-activity-remote-reason = Vom Team aus der Ferne geöffnet: { $reason }
console-activity-latency-title = Antwortzeiten je Tür (letzte 200 Öffnungen)
console-activity-openings = Öffnungen
console-activity-remote-title = Tür aus der Ferne öffnen
console-activity-remote-help = Für Besuch oder einen Kurier. Die Tür öffnet sich wie beim Tippen eines Mitglieds; das Protokoll hält deinen Namen und den Grund fest.
console-activity-reason-label = Grund (für das Protokoll)
console-activity-reason-placeholder = Kurier für Alex
console-activity-open = Tür öffnen
console-activity-reason-empty = Sag, warum die Tür aus der Ferne geöffnet wird (zum Beispiel „Kurier für Alex“).
console-activity-reason-too-long = Verwende höchstens { $max } Zeichen.
console-activity-reason-one-line = Verwende eine einzige Textzeile.

## Check-ins
console-check-ins-loading = Check-ins werden geladen…
console-check-ins-day = Tag (in der Zeitzone des Spaces)
console-check-ins-today = Heute
console-check-ins-member = Mitglied
console-check-ins-state = Stand
console-check-ins-why = Warum
console-check-ins-attempts = Versuche
console-check-ins-next-attempt = Nächster Versuch
console-check-ins-empty = Am { $day } wurde niemand über Frontdoor eingecheckt.
console-check-ins-state-pending = Ausstehend
console-check-ins-state-checked-in = Eingecheckt
console-check-ins-state-refused = Von Cobot abgelehnt
console-check-ins-state-missed = Verpasst
console-check-ins-since = Seit { $time }
console-check-ins-retry = Erneut versuchen
console-check-ins-policy-title = Check-in-Regel
console-check-ins-policy-label = Wann Frontdoor Mitglieder bei Cobot eincheckt
console-check-ins-policy-once-per-day = Einchecken: Ein Eintritt checkt das Mitglied ein, außer Cobot hat es schon eingecheckt
console-check-ins-policy-off = Aus: Frontdoor checkt niemanden ein
console-check-ins-no-pass-label = Ein Mitglied, das Cobot nicht eincheckt (kein Zeitpass mehr übrig)
console-check-ins-no-pass-open-anyway = Trotzdem öffnen und die Ablehnung von Cobot zeigen (wie Cobots eigene Türanbindungen)
console-check-ins-no-pass-refuse = Die Tür zu lassen, mit den Worten von Cobot
# Die geltende Regel, in ein, zwei Worten je Teil.
console-check-ins-in-force = Gilt: { $policy }, { $no_pass }
console-check-ins-in-force-once-per-day = einmal am Tag
console-check-ins-in-force-off = aus
console-check-ins-in-force-open-anyway = trotzdem öffnen
console-check-ins-in-force-refuse = ablehnen
console-check-ins-save-policy = Regel speichern
