-- The radiologists' view of the worklist and the row-level security that keeps each radiologist
-- to their own rows.
--
-- Database roles: one LOGIN role per radiologist, named exactly as the radiologist_id the
-- prioritization assigns, member of the NOLOGIN group role "radiologist". Example:
--     CREATE ROLE "rad-0042" LOGIN PASSWORD '...' IN ROLE radiologist;
-- The sink and the API connect as the owner of these tables, which RLS does not restrict.
-- Creating roles needs CREATEROLE, so these migrations run as a privileged user.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'radiologist') THEN
        CREATE ROLE radiologist NOLOGIN;
    END IF;
END
$$;

-- Reading order, most urgent first: priority class, then score within the class, then the study
-- that has waited longest; the UID only makes ties deterministic.
--
-- A view's ORDER BY is a hint that an outer query may discard (a join, another ORDER BY), so
-- reading_order is a column: clients must ORDER BY reading_order (per radiologist). It is
-- computed after row-level security has filtered the rows (security_invoker), so a radiologist's
-- first row is always their reading_order 1.
CREATE VIEW radiologist_worklist WITH (security_invoker = true) AS
SELECT row_number() OVER (
           PARTITION BY e.radiologist_id
           ORDER BY e.priority_rank, e.priority_score DESC, e.waiting_since, e.study_instance_uid
       ) AS reading_order,
       e.radiologist_id,
       e.accession_number,
       e.study_instance_uid,
       e.priority_class,
       e.priority_rank,
       e.priority_score,
       e.study_score,
       e.model_name,
       e.model_version,
       e.reasons,
       e.status,
       e.claimed_by,
       e.waiting_since,
       e.patient_in_clinic,
       e.clinic_id,
       e.updated_at,
       e.version
FROM worklist_entry e
WHERE e.archived_at IS NULL
  AND e.status <> 'COMPLETED'
ORDER BY e.radiologist_id, reading_order;

COMMENT ON VIEW radiologist_worklist IS
    'Open worklist rows per radiologist; ORDER BY radiologist_id, reading_order (the view order is only a hint).';

-- Row-level security on the tables (not a security_barrier view) so that every path to the rows,
-- the view or a direct query, is filtered the same way.
ALTER TABLE worklist_entry ENABLE ROW LEVEL SECURITY;
ALTER TABLE reading_action ENABLE ROW LEVEL SECURITY;

CREATE POLICY radiologist_reads_own_entries ON worklist_entry
    FOR SELECT TO radiologist
    USING (radiologist_id = current_user);

CREATE POLICY radiologist_reads_own_actions ON reading_action
    FOR SELECT TO radiologist
    USING (radiologist_id = current_user);

-- A radiologist may record an action only in their own name; the API is the usual writer.
CREATE POLICY radiologist_acts_as_self ON reading_action
    FOR INSERT TO radiologist
    WITH CHECK (radiologist_id = current_user);

GRANT SELECT ON worklist_entry, radiologist_worklist TO radiologist;
GRANT SELECT, INSERT ON reading_action TO radiologist;
