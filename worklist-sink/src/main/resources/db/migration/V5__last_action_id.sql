-- The id of the newest reading action behind the row's status and claimed_by. The API sets it with
-- each action it records; an event carries the id of the newest action prioritization had folded
-- when it computed the entry. The sink's upsert takes the event's status only when both agree, so
-- an entry computed before a claim came back through Debezium cannot undo the claim (and a
-- radiologist's "complete" right after "claim" no longer fails as "not claimed").
ALTER TABLE worklist_entry ADD COLUMN last_action_id text;

COMMENT ON COLUMN worklist_entry.last_action_id IS
    'reading_action.id of the newest action reflected in status and claimed_by; null before the first.';
