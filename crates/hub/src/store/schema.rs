//! The schema and its migrations, in the order they were made.

use super::*;

/// The schema as it was before migrations existed. Every statement is `IF NOT EXISTS` (or a
/// `DROP … IF EXISTS`), so a database made before then — at `user_version` 0 with these tables —
/// passes through it unchanged and keeps its data.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS members (
    membership_id TEXT PRIMARY KEY,
    user_id TEXT,
    name TEXT,
    email TEXT,
    plan_id TEXT,
    plan_name TEXT,
    confirmed INTEGER NOT NULL,
    starts_at TEXT,
    canceled_to TEXT,
    extra_groups TEXT
);
CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id TEXT,
    membership_id TEXT,
    staff INTEGER NOT NULL,
    door_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    code TEXT,
    reasons TEXT NOT NULL,
    driver TEXT,
    driver_result TEXT,
    may_have_opened INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    check_in TEXT
);
CREATE TABLE IF NOT EXISTS check_ins (
    membership_id TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id TEXT,
    state TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    cobot_id TEXT,
    valid_from TEXT,
    valid_until TEXT,
    PRIMARY KEY (membership_id, day)
);
CREATE INDEX IF NOT EXISTS check_ins_due ON check_ins(state, next_attempt_ms);
-- Sessions made from bare Cobot tokens (before sign-in went through the hub): never valid again.
DROP TABLE IF EXISTS sessions;
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    device_name TEXT NOT NULL,
    staff INTEGER NOT NULL,
    signed_in_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    validated_at INTEGER NOT NULL,
    cobot_token BLOB,
    ended_at INTEGER,
    ended_why TEXT
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_device ON refresh_tokens(device_id);
CREATE TABLE IF NOT EXISTS hub_sessions (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    membership_id TEXT,
    staff INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS hub_sessions_device ON hub_sessions(device_id);
";

/// Refusal bursts (one person, one code, one door, within a minute) are one audit row with a
/// count and the time of the last one; pruning by age reads `at` through an index.
pub(crate) const AUDIT_COUNT: &str = "
ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit ADD COLUMN last_at TEXT;
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
";

/// The access setup staff edit in the console (see [`crate::app::setup`]): groups, plan → groups
/// assignments, the extra-groups switch and its version in one row, the plan catalogue of the
/// last full sync, and the trail of changes. Empty until the first start imports the TOML file.
pub(crate) const ACCESS_SETUP: &str = "
CREATE TABLE access_setup (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    extra_groups INTEGER NOT NULL
);
CREATE TABLE access_groups (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    doors TEXT NOT NULL,
    schedule TEXT
);
CREATE UNIQUE INDEX access_groups_key ON access_groups(lower(trim(id)));
CREATE TABLE access_plans (
    position INTEGER PRIMARY KEY,
    plan_id TEXT,
    plan_name TEXT,
    groups TEXT NOT NULL,
    CHECK ((plan_id IS NULL) <> (plan_name IS NULL))
);
CREATE TABLE plan_catalogue (
    position INTEGER PRIMARY KEY,
    plan_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE access_changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    by_name TEXT NOT NULL,
    what TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
";

/// The schema's history, oldest first; a database at `user_version` N gets migrations N+1….
/// Append only: a released migration is never edited, and numbers are never reused.
pub const MIGRATIONS: &[M<'static>] = &[
    M::up(SCHEMA),
    M::up(AUDIT_COUNT),
    // 3: the access setup (staff console).
    M::up(ACCESS_SETUP),
    // 4: the Cobot connection made in the console (the plug).
    M::up(COBOT_CONNECTION),
    // 5: the console's activity view and door latencies (staff console, part 2).
    M::up(AUDIT_BY_DOOR),
    // 6: the doors staff edit in the console (staff console, part 2).
    M::up(DOORS),
    // 7: a check-in per entry, not per day (Cobot's day and its time passes).
    M::up(CHECK_INS_PER_ENTRY),
    // 8: what a hub in a fleet sends up besides its audit log (issue 21).
    M::up(FLEET_OUTBOX),
    // 9: audit rows pruned before the fleet had them, counted (issue 21).
    M::up(FLEET_UNSENT_PRUNED),
];

/// Once the hub joined a fleet, each audit row its retention deletes before the fleet's stream
/// had it (after the cursor) is counted in `meta.fleet_unsent_pruned`, and the hub's state says
/// how many: the fleet's record then knows what it will never get.
pub(crate) const FLEET_UNSENT_PRUNED: &str = "
CREATE TRIGGER fleet_audit_pruned_unsent AFTER DELETE ON audit
    WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'fleet_joined')
        AND OLD.id > COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fleet_audit_cursor'), 0)
    BEGIN
        INSERT INTO meta (key, value) VALUES ('fleet_unsent_pruned', '1')
            ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
    END;
";

/// The fleet outbox ([`crate::store::fleet`]): a number for each check-in that ended (checked
/// in, refused, missed) and each sync run, written by triggers in the same transaction as the
/// change, once the hub joined a fleet (`meta.fleet_joined`); the link sends them up in order
/// and deletes them once the fleet's stream has them. A hub with no fleet writes nothing here.
pub(crate) const FLEET_OUTBOX: &str = "
CREATE TABLE fleet_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('check_in', 'sync')),
    membership_id TEXT,
    day TEXT,
    queued_at TEXT,
    sync_id INTEGER
);
CREATE TRIGGER fleet_check_in_ended AFTER INSERT ON check_ins
    WHEN NEW.state IN ('checked_in', 'refused', 'missed') AND EXISTS (SELECT 1 FROM meta WHERE key = 'fleet_joined')
    BEGIN
        INSERT INTO fleet_outbox (kind, membership_id, day, queued_at)
            VALUES ('check_in', NEW.membership_id, NEW.day, NEW.queued_at);
    END;
CREATE TRIGGER fleet_check_in_changed AFTER UPDATE OF state ON check_ins
    WHEN NEW.state IN ('checked_in', 'refused', 'missed') AND NEW.state IS NOT OLD.state
        AND EXISTS (SELECT 1 FROM meta WHERE key = 'fleet_joined')
    BEGIN
        INSERT INTO fleet_outbox (kind, membership_id, day, queued_at)
            VALUES ('check_in', NEW.membership_id, NEW.day, NEW.queued_at);
    END;
CREATE TRIGGER fleet_sync_ran AFTER INSERT ON sync_runs
    WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'fleet_joined')
    BEGIN
        INSERT INTO fleet_outbox (kind, sync_id) VALUES ('sync', NEW.id);
    END;
";

/// The check-in outbox keyed by the entry that queued a check-in — (membership, day, entry) —
/// instead of (membership, day): an hourly pass ends, and the member's next entry that day is
/// checked in again. Rows keep their order (`rowid`, newest last).
pub(crate) const CHECK_INS_PER_ENTRY: &str = "
CREATE TABLE check_ins_per_entry (
    membership_id TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id TEXT,
    state TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    cobot_id TEXT,
    valid_from TEXT,
    valid_until TEXT,
    PRIMARY KEY (membership_id, day, queued_at)
);
INSERT INTO check_ins_per_entry (membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms,
    last_error, cobot_id, valid_from, valid_until)
    SELECT membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, last_error, cobot_id,
        valid_from, valid_until FROM check_ins ORDER BY day, queued_at;
DROP TABLE check_ins;
ALTER TABLE check_ins_per_entry RENAME TO check_ins;
CREATE INDEX check_ins_due ON check_ins(state, next_attempt_ms);
CREATE INDEX check_ins_of_member ON check_ins(membership_id);
";

/// The doors ([`crate::app::doors::StoredDoor`]): the setup as JSON, the configuration file's
/// credential name for imported doors, the secret entered in the console sealed (its key is never
/// in the database). `meta.doors_imported` marks that the first start imported the file's doors,
/// so a space that removed every door does not get them back.
pub(crate) const DOORS: &str = "
CREATE TABLE doors (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    setup TEXT NOT NULL,
    credential TEXT,
    secret BLOB
);
";

/// The console reads one door's rows of one outcome, newest first (its activity filter and its
/// latency figures over the last 200 openings): an index instead of a scan of the whole log. The
/// check-in policy staff set lives in `meta` (`check_in_policy`), like the sync interval.
pub(crate) const AUDIT_BY_DOOR: &str = "
CREATE INDEX IF NOT EXISTS audit_by_door ON audit(door_id, decision, id);
";

/// The space's Cobot connection made in the staff console ([`crate::app::plug`]): one row, the
/// space-owned token sealed (its key is never in the database). The sync interval staff set
/// lives in `meta` (`sync_interval_minutes`).
pub(crate) const COBOT_CONNECTION: &str = "
CREATE TABLE cobot_connection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    since TEXT NOT NULL,
    by_user TEXT NOT NULL,
    by_name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token BLOB NOT NULL
);
";
