-- Mutable tables of the surveys slice. None of them ever holds an answer next to anything
-- that identifies a person, a device, an invitation code or an arrival time.

-- Whether a survey takes answers now, and for which cycle. Intake batches read this row
-- FOR SHARE; closing takes it FOR UPDATE, so no answer enters the pool after the final
-- release of a cycle.
CREATE TABLE survey_intake (
    survey_id  text PRIMARY KEY,
    cycle      integer NOT NULL,
    open       boolean NOT NULL,
    access     text NOT NULL,
    k          integer NOT NULL,          -- a pool bucket is released once it holds k answers
    release_after_minutes integer NOT NULL -- or once it has waited this long
);

-- One-time invitation codes, only as keyed hashes (HMAC with the service secret). The
-- plain codes exist nowhere; the printable sheets derive them again from the secret.
CREATE TABLE survey_codes (
    code_hash  bytea PRIMARY KEY,
    survey_id  text NOT NULL,
    cycle      integer NOT NULL,
    unit_id    text NOT NULL,
    issue_id   text NOT NULL,
    redeemed   boolean NOT NULL DEFAULT false
);
CREATE INDEX survey_codes_unit ON survey_codes (survey_id, cycle, unit_id);

-- Submission ids already accepted (keyed hashes), so a client's retry is answered 202
-- without a second answer. Never joined to an answer: the answer carries no submission id.
CREATE TABLE survey_submissions (
    survey_id  text NOT NULL,
    sid_hash   bytea NOT NULL,
    PRIMARY KEY (survey_id, sid_hash)
);

-- The mixing pool. The answer is sealed (AES-GCM under a key derived from the service
-- secret), so a pool row, or its dead tuple after release until VACUUM reclaims it, can't
-- be matched to the released plain answer by anyone without the secret. The id is random
-- (gen_random_uuid), never a sequence, so it carries no arrival order either.
CREATE TABLE survey_pool (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    survey_id  text NOT NULL,
    cycle      integer NOT NULL,
    unit_id    text NOT NULL,
    sealed     bytea NOT NULL
);
CREATE INDEX survey_pool_bucket ON survey_pool (survey_id, cycle, unit_id);

-- When a bucket (survey, cycle, unit) of the pool first held an answer, to the minute:
-- the time limit of a bucket smaller than k runs from here. One row per bucket, not per answer.
CREATE TABLE survey_pool_buckets (
    survey_id  text NOT NULL,
    cycle      integer NOT NULL,
    unit_id    text NOT NULL,
    opened_at  timestamptz NOT NULL,
    PRIMARY KEY (survey_id, cycle, unit_id)
);
