-- Storage of the intake's hot tables, set after measuring the intake (bench/intake.py).

-- A pool row is a sealed answer padded to its version's bound (2–3 kB for a typical
-- survey). Past ~2 kB PostgreSQL would try to compress it (ciphertext never compresses)
-- and move it to the TOAST table: two more heap rows and an index entry per answer, all
-- deleted again at release. Kept inline in the heap up to a page, and never compressed.
ALTER TABLE survey_pool SET (toast_tuple_target = 8160);
ALTER TABLE survey_pool ALTER COLUMN sealed SET STORAGE EXTERNAL;

-- Redeeming a code updates one boolean that no index holds. With room left on its page the
-- new row version stays there (a HOT update: no index entries at all); every code is
-- written once at issue and updated at most once, so half of each page is kept free.
ALTER TABLE survey_codes SET (fillfactor = 50);

-- A pool row needs no id: a release takes a bucket's rows by (survey, cycle, unit) and
-- deletes them. Without it an answer costs one index entry less, and the pool holds one
-- thing less that anything could be matched by.
ALTER TABLE survey_pool DROP COLUMN id;

-- The padding bound went from 6 to 4 bytes a free-text character (validate.sealed_size):
-- every answer of one published version must seal to one length, so a cycle published
-- before this migration keeps the old bound until its next publication.
ALTER TABLE survey_intake ADD COLUMN pad_bytes_per_char integer NOT NULL DEFAULT 6;
ALTER TABLE survey_intake ALTER COLUMN pad_bytes_per_char SET DEFAULT 4;
