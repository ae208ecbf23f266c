-- The clinic's RIS order table as RTR expects to capture it (Debezium CDC into rtr.clinic.orders).
-- In production this table belongs to the clinic's RIS; the standalone platform creates it so the
-- demo and the integration tests have an order source. Idempotent.
CREATE SCHEMA IF NOT EXISTS ris;

CREATE TABLE IF NOT EXISTS ris.orders (
    accession_number  text PRIMARY KEY,
    patient_pseudonym text,
    ordering_site     text,
    scheduled_at      timestamptz,
    -- "Patient still in clinic" = arrived and not yet departed.
    patient_arrived   timestamptz,
    patient_departed  timestamptz,
    order_priority    text NOT NULL DEFAULT 'ROUTINE' CHECK (order_priority IN ('STAT', 'URGENT', 'ROUTINE')),
    assigned_reader   text,
    subspecialty      text
);

-- Deletes and updates carry the whole old row, so a delete event still names its accession.
ALTER TABLE ris.orders REPLICA IDENTITY FULL;
