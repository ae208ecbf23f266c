-- The demo's radiologists, as the standalone pipeline registers them (Pipeline.DEMO_RADIOLOGISTS).
-- The radiologist table comes from worklist-sink's migrations (V4__radiologist.sql), which the
-- worklist-api service applies at start, so the db-seed service runs this after it is healthy.
INSERT INTO radiologist (radiologist_id, display_name, subspecialty) VALUES
    ('dr-adams', 'Dr. Adams', 'breast'),
    ('dr-baker', 'Dr. Baker', 'breast')
ON CONFLICT DO NOTHING;
