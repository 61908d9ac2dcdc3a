/// The PostgreSQL schema, as ordered migrations: each runs once, in its own transaction, recorded
/// in `laurel_migration` by name. The tables are SQLite's as of its migration v9 (entries as rows,
/// the due index by due time), in PostgreSQL's types: instants are seconds (`BIGINT`), documents
/// and bodies `BYTEA`.
enum PostgresSchema {
    struct Migration: Sendable {
        var name: String
        var sql: [String]
    }

    /// Held by a transaction that migrates: two daemons starting at once take turns.
    static let migrationLock: Int64 = 0x4C41_5552_454C  // "LAUREL"

    static let migrations: [Migration] = [
        Migration(
            name: "v1: campaigns, log, outbox, timers, organisation, entries",
            sql: [
                """
                CREATE TABLE workflow_version (
                    hash TEXT PRIMARY KEY,
                    workflow_id TEXT NOT NULL,
                    file TEXT NOT NULL,
                    source BYTEA NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    recorded_order BIGINT NOT NULL
                )
                """,
                "CREATE INDEX workflow_version_by_workflow ON workflow_version(workflow_id, recorded_order)",
                """
                CREATE TABLE campaign (
                    id TEXT PRIMARY KEY,
                    workflow_id TEXT NOT NULL,
                    workflow_version TEXT NOT NULL REFERENCES workflow_version(hash),
                    state TEXT NOT NULL,
                    status TEXT NOT NULL,
                    event_count BIGINT NOT NULL,
                    document BYTEA NOT NULL,
                    started_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE TABLE campaign_counter (workflow_id TEXT PRIMARY KEY, last BIGINT NOT NULL)",
                """
                CREATE TABLE event (
                    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    campaign_id TEXT NOT NULL,
                    at BIGINT NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    kind TEXT NOT NULL,
                    disposition TEXT NOT NULL,
                    late_by BIGINT NOT NULL,
                    summary TEXT NOT NULL,
                    action BYTEA NOT NULL
                )
                """,
                "CREATE INDEX event_by_campaign ON event(campaign_id, sequence)",
                """
                CREATE TABLE outbox (
                    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    campaign_id TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    effect BYTEA NOT NULL,
                    created_at BIGINT NOT NULL,
                    delivered_at BIGINT
                )
                """,
                "CREATE INDEX outbox_pending ON outbox(sequence) WHERE delivered_at IS NULL",
                "CREATE TABLE org_level (position BIGINT PRIMARY KEY, name TEXT NOT NULL)",
                """
                CREATE TABLE org_unit (
                    id TEXT PRIMARY KEY,
                    position BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    parent TEXT,
                    level TEXT NOT NULL,
                    counts TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE org_person (
                    id TEXT PRIMARY KEY,
                    position BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    unit TEXT NOT NULL REFERENCES org_unit(id),
                    roles TEXT NOT NULL
                )
                """,
                "CREATE INDEX org_person_by_unit ON org_person(unit)",
                "CREATE TABLE org_import (version BIGINT NOT NULL)",
                """
                CREATE TABLE recurrence (
                    workflow_id TEXT PRIMARY KEY,
                    last_cycle BIGINT,
                    first_seen BIGINT NOT NULL
                )
                """,
                "CREATE TABLE campaign_parent (child_id TEXT PRIMARY KEY, parent_id TEXT NOT NULL, unit TEXT)",
                "CREATE INDEX campaign_parent_by_parent ON campaign_parent(parent_id)",
                """
                CREATE TABLE due_timer (
                    due BIGINT NOT NULL,
                    campaign_id TEXT NOT NULL,
                    timer_id BIGINT NOT NULL,
                    PRIMARY KEY (due, campaign_id, timer_id)
                )
                """,
                "CREATE INDEX due_timer_by_campaign ON due_timer(campaign_id)",
                """
                CREATE TABLE entry_id (
                    campaign_id TEXT NOT NULL,
                    id TEXT NOT NULL,
                    PRIMARY KEY (campaign_id, id)
                )
                """,
                """
                CREATE TABLE entry_run (
                    campaign_id TEXT NOT NULL,
                    position BIGINT NOT NULL,
                    count BIGINT NOT NULL,
                    body BYTEA NOT NULL,
                    PRIMARY KEY (campaign_id, position)
                )
                """,
            ])
    ]
}
