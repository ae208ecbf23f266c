-- Worklist state as written by the sink from the compacted rtr.worklist topic, and the
-- radiologists' actions that the API writes and Debezium captures into rtr.worklist.actions.
--
-- Enumerations are text with CHECK constraints rather than Postgres enum types: the Avro enums
-- may gain symbols, and widening a CHECK is one transactional statement while ALTER TYPE ... ADD
-- VALUE cannot be used in the transaction that adds it.

CREATE TABLE worklist_entry (
    -- DICOM UIs are at most 64 characters; a longer key is a bad record, not a truncation.
    study_instance_uid varchar(64)      PRIMARY KEY,
    accession_number   varchar(64),
    radiologist_id     text             NOT NULL CHECK (radiologist_id <> ''),
    priority_class     text             NOT NULL
        CHECK (priority_class IN ('STAT', 'SUSPICIOUS_IN_CLINIC', 'SUSPICIOUS', 'ROUTINE')),
    -- Derived so that no writer can store a rank that disagrees with its class; 0 is most urgent.
    priority_rank      smallint         GENERATED ALWAYS AS (
        CASE priority_class
            WHEN 'STAT' THEN 0
            WHEN 'SUSPICIOUS_IN_CLINIC' THEN 1
            WHEN 'SUSPICIOUS' THEN 2
            ELSE 3
        END) STORED,
    priority_score     double precision NOT NULL CHECK (priority_score = priority_score), -- rejects NaN
    study_score        double precision CHECK (study_score >= 0 AND study_score <= 1),
    model_name         text,
    model_version      text,
    reasons            text[]           NOT NULL DEFAULT '{}',
    status             text             NOT NULL CHECK (status IN ('UNREAD', 'CLAIMED', 'COMPLETED')),
    claimed_by         text,
    waiting_since      timestamptz      NOT NULL,
    updated_at         timestamptz      NOT NULL,
    -- The event's per-study version: the sink's upsert only replaces a row with a newer one, so a
    -- stale or replayed event never overwrites newer state.
    version            bigint           NOT NULL CHECK (version >= 0),
    study_revision     integer          NOT NULL CHECK (study_revision >= 0),
    clinic_id          text,
    patient_in_clinic  boolean          NOT NULL,
    -- Set by a tombstone. The row is archived rather than deleted so that its version stays as a
    -- watermark (a replayed older event cannot resurrect a read study) and reading_action rows
    -- keep their study; a newer event clears it.
    archived_at        timestamptz,
    CONSTRAINT worklist_entry_claimed_has_claimer CHECK (status <> 'CLAIMED' OR claimed_by IS NOT NULL)
);

COMMENT ON TABLE worklist_entry IS
    'Latest WorklistEntry per study from rtr.worklist; archived_at is set by a tombstone.';

-- The view reads one radiologist's open rows in reading order: this index serves it directly.
CREATE INDEX worklist_entry_reading_order
    ON worklist_entry (radiologist_id, priority_rank, priority_score DESC, waiting_since)
    WHERE archived_at IS NULL;

CREATE TABLE reading_action (
    id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    study_instance_uid varchar(64) NOT NULL REFERENCES worklist_entry (study_instance_uid),
    radiologist_id     text        NOT NULL CHECK (radiologist_id <> ''),
    action             text        NOT NULL CHECK (action IN ('CLAIM', 'RELEASE', 'COMPLETE')),
    at                 timestamptz NOT NULL DEFAULT now(),
    -- Free text must not carry patient identifiers; the bound keeps a paste accident out of Kafka.
    comment            text        CHECK (char_length(comment) <= 2000)
);

COMMENT ON TABLE reading_action IS
    'Claim, release and complete actions of radiologists; captured by Debezium into rtr.worklist.actions.';

CREATE INDEX reading_action_study ON reading_action (study_instance_uid, at);
