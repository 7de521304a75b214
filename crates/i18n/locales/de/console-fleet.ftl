# Der Reiter Flotte der Konsole: die Flotte des Betreibers (alle seine Spaces) statt dieses Hubs.

console-fleet-title = Deine Flotte

## Anmelden
console-fleet-sign-in-help = Melde dich bei deiner Flotte mit ihrer Adresse und dem Team-Token an, das du vom Betreiber der Flotte bekommen hast. Das Token wird im Schlüsselbund dieses Computers aufbewahrt.
console-fleet-address = Adresse der Flotte
console-fleet-token = Team-Token
console-fleet-sign-in = Bei der Flotte anmelden
console-fleet-sign-out = Von der Flotte abmelden
console-fleet-signed-in-as = Bei { $address } angemeldet als { $name }.
console-fleet-again = Noch einmal versuchen
console-fleet-address-empty = Gib die Adresse deiner Flotte ein, etwa https://fleet.example.com.
console-fleet-address-not-web = Gib die Adresse als https://fleet.example.com ein (einfaches http:// nur auf diesem Computer).
console-fleet-token-empty = Füge das Team-Token ein, das du vom Betreiber der Flotte bekommen hast.
console-fleet-token-one-word = Ein Team-Token ist ein Wort, ohne Leerzeichen oder Zeilenumbrüche.
console-fleet-token-refused = Die Flotte hat dieses Team-Token nicht angenommen. Prüfe es mit dem Betreiber deiner Flotte und melde dich dann noch einmal an.
console-fleet-too-long = Höchstens { $max } Zeichen.

## Spaces und Hubs
console-fleet-space = Space
console-fleet-all-spaces = Alle Spaces
console-fleet-hub = Hub
console-fleet-no-hubs = Noch hat sich kein Hub dieses Space bei der Flotte gemeldet.
console-fleet-hub-online = Mit der Flotte verbunden
console-fleet-hub-offline = Nicht verbunden seit { $since }: seine Türen entscheiden weiter vor Ort
console-fleet-hub-never = Hat seinen Zustand noch nicht gemeldet
console-fleet-reach = Erreichbar
console-fleet-open = Öffnen…
console-fleet-open-title = { $door } bei { $hub } öffnen
console-fleet-open-help = Die Flotte fragt den Hub, der die Tür wie beim Tippen eines Mitglieds öffnet; das Protokoll des Hubs hält deinen Namen und den Grund fest. Nichts wird aufgehoben: Ein Hub, der gerade nicht verbunden ist, öffnet nichts.

## Aktivität
console-fleet-activity-title = Aktivität in deinen Spaces
console-fleet-check-ins-only = Nur Einträge, die jemanden eingecheckt haben
console-fleet-by-fleet = { $name } (Flotte)

## Check-ins
console-fleet-check-ins-title = Wie die Check-ins an deinen Hubs ausgingen
console-fleet-check-ins-every-state = Jeder Ausgang
console-fleet-check-ins-when = Gekommen
console-fleet-check-ins-empty = An diesen Hubs ist noch kein Check-in abgeschlossen.

## Widerrufe
console-fleet-revocations-title = Widerrufe in { $space }
console-fleet-revocations-empty = In diesem Space wurde nichts widerrufen.
console-fleet-revoked = Beendet
console-fleet-revoked-by = Von
console-fleet-revoked-why = Warum
console-fleet-revoked-device = Gerät { $id }
console-fleet-revoked-person = Alle Geräte von { $id } (Team-Recht entzogen)
console-fleet-revoke-whom = Beenden
console-fleet-revoke-device = ein angemeldetes Gerät
console-fleet-revoke-person = alle Geräte einer Person
console-fleet-revoke-id = Geräte-ID oder Cobot-Benutzer-ID
console-fleet-revoke = Bei allen Hubs widerrufen
console-fleet-revoke-no-id = Nenne das Gerät oder die Person, die beendet werden soll.
console-fleet-revoke-bad-id = Eine ID besteht aus 1 bis { $max } Buchstaben, Ziffern, „-“ oder „_“.
console-fleet-revoke-no-why = Sag, warum (die Hubs halten es beim beendeten Gerät fest).
