-- Tells listeners (the live worklist page) whose worklist changed: channel worklist_changed,
-- payload the radiologist id. Postgres folds identical notifications of one transaction into
-- one, so a sink batch of many rows for one radiologist wakes the page once, and listeners
-- re-read the view rather than trusting a payload of row data.
CREATE FUNCTION worklist_entry_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('worklist_changed', OLD.radiologist_id);
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

CREATE TRIGGER worklist_entry_changed
    AFTER INSERT OR UPDATE OR DELETE ON worklist_entry
    FOR EACH ROW EXECUTE FUNCTION worklist_entry_notify();
