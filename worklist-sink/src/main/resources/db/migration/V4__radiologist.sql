-- The radiologists the API and the page know, registered by operators (or the demo's seed).
--
-- "Unknown radiologist" (HTTP 404) means: not registered here AND never assigned a study in
-- worklist_entry (archived rows included). The second half matters because prioritization assigns
-- studies from the clinic order's reader, who may not be registered yet; such a radiologist must
-- still see their worklist. A registered radiologist with nothing assigned gets an empty list.
--
-- No foreign key from worklist_entry: the sink must never reject a study because an operator has
-- not registered its reader yet.
CREATE TABLE radiologist (
    -- Same identifier as worklist_entry.radiologist_id and the radiologist's database login role.
    radiologist_id varchar(63) PRIMARY KEY CHECK (radiologist_id ~ '^[A-Za-z0-9._-]+$'),
    display_name   text        NOT NULL CHECK (display_name <> '' AND char_length(display_name) <= 200),
    subspecialty   text        CHECK (char_length(subspecialty) <= 100),
    created_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE radiologist IS
    'Registered radiologists (directory for the API and page); worklist_entry does not reference it.';

-- A directory, not patient data: every radiologist may read it (RLS is not enabled on it).
GRANT SELECT ON radiologist TO radiologist;
