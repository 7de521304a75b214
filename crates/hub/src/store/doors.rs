//! The doors as the hub's database holds them: each door's setup, in the order staff see them,
//! with the credential it names or its sealed secret.

use frontdoor_core::console::{DoorSecretState, DoorSetup};
use jiff::Timestamp;

use crate::store::access_setup::Trail;
use crate::store::{self, ctx, select_all, Store};

/// One door as the hub's database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoor {
    /// What staff set.
    pub setup: DoorSetup,
    /// The credential named in the configuration file (doors imported from it).
    pub credential: Option<String>,
    /// The secret entered in the console, sealed with the door id as associated data.
    pub sealed: Option<Vec<u8>>,
}

impl StoredDoor {
    /// Where its secret comes from (never the secret).
    pub fn secret_state(&self) -> DoorSecretState {
        match (&self.sealed, &self.credential) {
            (Some(_), _) => DoorSecretState::Stored,
            (None, Some(name)) => DoorSecretState::Credential { name: name.clone() },
            (None, None) => DoorSecretState::None,
        }
    }
}

impl Store {
    /// The stored doors, in order; `None` before the first start imported the file's.
    pub fn doors(&self) -> Result<Option<Vec<StoredDoor>>, store::Error> {
        let conn = self.conn();
        let imported: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'doors_imported')",
                [],
                |r| r.get(0),
            )
            .map_err(ctx("reading the doors"))?;
        if !imported {
            return Ok(None);
        }
        let rows = select_all(
            &conn,
            "reading the doors",
            "SELECT setup, credential, secret FROM doors ORDER BY position",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                ))
            },
        )?;
        let mut doors = Vec::with_capacity(rows.len());
        for (setup, credential, sealed) in rows {
            let setup: DoorSetup = serde_json::from_str(&setup)
                .map_err(|e| store::Error::Corrupt(format!("a stored door cannot be read: {e}")))?;
            doors.push(StoredDoor {
                setup,
                credential,
                sealed,
            });
        }
        Ok(Some(doors))
    }

    /// Stores the configuration file's doors on the first start, with a row in the change trail.
    /// Does nothing once doors were imported.
    pub fn import_doors(&self, doors: &[StoredDoor], now: Timestamp) -> Result<(), store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting the import of the doors"))?;
        let imported: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'doors_imported')",
                [],
                |r| r.get(0),
            )
            .map_err(ctx("reading the doors"))?;
        if imported {
            return Ok(());
        }
        write_rows(&tx, doors)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('doors_imported', ?1)",
            [now.to_string()],
        )
        .map_err(ctx("marking the doors imported"))?;
        crate::store::access_setup::insert_change(
            &tx,
            now,
            "",
            "the hub's configuration file (first start)",
            "imported the doors",
            &serde_json::Value::Null,
            &serde_json::to_value(doors.iter().map(|d| d.trail_value()).collect::<Vec<_>>())
                .unwrap_or(serde_json::Value::Null),
        )?;
        tx.commit().map_err(ctx("committing the import of the doors"))
    }

    /// Replaces the doors with `doors` and records `trail`, in one transaction.
    pub fn write_doors(&self, doors: &[StoredDoor], trail: &Trail) -> Result<(), store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting a door change"))?;
        write_rows(&tx, doors)?;
        tx.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('doors_imported', ?1)",
            [trail.at.to_string()],
        )
        .map_err(ctx("marking the doors imported"))?;
        crate::store::access_setup::record(&tx, trail)?;
        tx.commit().map_err(ctx("committing a door change"))
    }
}

fn write_rows(tx: &rusqlite::Transaction<'_>, doors: &[StoredDoor]) -> Result<(), store::Error> {
    tx.execute("DELETE FROM doors", []).map_err(ctx("writing the doors"))?;
    let mut insert = tx
        .prepare("INSERT INTO doors (position, id, setup, credential, secret) VALUES (?1, ?2, ?3, ?4, ?5)")
        .map_err(ctx("writing the doors"))?;
    for (i, d) in doors.iter().enumerate() {
        let setup = serde_json::to_string(&d.setup).map_err(|e| store::Error::Corrupt(e.to_string()))?;
        insert
            .execute(rusqlite::params![i as i64, d.setup.id, setup, d.credential, d.sealed])
            .map_err(ctx("writing the doors"))?;
    }
    Ok(())
}

impl StoredDoor {
    /// The door as the change trail shows it: its setup and where its secret comes from, never
    /// the secret.
    pub fn trail_value(&self) -> serde_json::Value {
        serde_json::json!({ "door": self.setup, "secret": self.secret_state() })
    }
}
