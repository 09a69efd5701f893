-- Secrets of the cases slice, in mutable tables so they can be erased. Never in events.

-- A receipt code is shown to the requester once; only its HMAC (key outside the database)
-- is kept, beside nothing but the case it opens.
CREATE TABLE case_receipts (
    code_mac    bytea PRIMARY KEY,
    case_id     text NOT NULL UNIQUE
);

-- The per-case key that seals a named requester's contact details. Destroying it (retention
-- expiry or an erasure request) leaves the sealed text in the events unreadable: "[erased]".
CREATE TABLE case_keys (
    case_id       text PRIMARY KEY,
    key           bytea,
    destroyed_at  timestamptz
);
