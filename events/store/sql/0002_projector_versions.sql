-- Which version of a projector's code built its tables: a projector whose tables or rules
-- change bumps its version, and the runner that owns it rebuilds it before going on.
ALTER TABLE projection_checkpoints ADD COLUMN version integer NOT NULL DEFAULT 1;
