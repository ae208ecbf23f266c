-- Retention of archived worklist rows (see io.rtr.worklist.db.ArchivePurger).
--
-- The sink purges worklist_entry rows archived longer ago than archive.retention.ms, together with
-- their reading_action rows (which reference them). Kafka keeps the audit trail: rtr.worklist,
-- rtr.worklist.actions and the topics before them; Postgres keeps only what the worklists need.
--
-- An archived row was also the version guard's watermark: a replayed older event of a read study
-- found it and changed nothing. Once the row is gone that event would insert the study afresh, open
-- on a worklist again. So the purge leaves a marker per study (UID and last version, about 100
-- bytes instead of the row, its indexes and its actions), and a BEFORE INSERT trigger drops any
-- insert of a purged study at a version the marker already covers. A newer version (prioritization
-- reopening the study, e.g. a new revision) still goes in, exactly as it would over the archived row.
--
-- The trigger, not the sink's upsert statement, carries the check: it also covers the rows of a
-- batch the driver rewrites into one multi-row INSERT, and any other writer of the table.

CREATE TABLE worklist_entry_purged (
    study_instance_uid varchar(64) PRIMARY KEY,
    -- The purged row's version: inserts of this study at this version or older are dropped.
    version            bigint      NOT NULL CHECK (version >= 0),
    archived_at        timestamptz NOT NULL,
    purged_at          timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE worklist_entry_purged IS
    'Studies whose archived worklist_entry row was purged, with the version that guards against its replay.';

CREATE FUNCTION worklist_entry_not_purged() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF EXISTS (SELECT 1 FROM worklist_entry_purged p
               WHERE p.study_instance_uid = NEW.study_instance_uid AND p.version >= NEW.version) THEN
        -- A replay of a study that was read and purged: skip the row (an ON CONFLICT update too,
        -- which could only have been a no-op, since a reopened row's version beats the marker's).
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER worklist_entry_purged_guard
    BEFORE INSERT ON worklist_entry
    FOR EACH ROW EXECUTE FUNCTION worklist_entry_not_purged();

-- The purge finds its candidates oldest first without reading the open rows.
CREATE INDEX worklist_entry_archived_at ON worklist_entry (archived_at) WHERE archived_at IS NOT NULL;

-- An archived row is on nobody's worklist, so deleting it changes no list: the purge wakes no page.
CREATE OR REPLACE FUNCTION worklist_entry_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.archived_at IS NULL THEN
            PERFORM pg_notify('worklist_changed', OLD.radiologist_id);
        END IF;
        RETURN NULL;
    END IF;
    PERFORM pg_notify('worklist_changed', NEW.radiologist_id);
    -- A reassigned study leaves the previous radiologist's list too.
    IF TG_OP = 'UPDATE' AND OLD.radiologist_id IS DISTINCT FROM NEW.radiologist_id THEN
        PERFORM pg_notify('worklist_changed', OLD.radiologist_id);
    END IF;
    RETURN NULL;
END
$$;
