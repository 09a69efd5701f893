-- The event store: one append-only table, a one-row metadata table, projector checkpoints.

CREATE TABLE store_meta (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Bumped when the store is found in another PostgreSQL cluster (restore, failover to
    -- a logical copy): transaction ids of the old cluster mean nothing there, so everything
    -- of an older era sorts before the new era. See events/store/read_all.py.
    era              integer NOT NULL DEFAULT 0,
    system_identifier text
);
INSERT INTO store_meta (singleton) VALUES (true);

CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    era             integer NOT NULL,
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL,
    stream_id       text NOT NULL,
    stream_version  bigint NOT NULL CHECK (stream_version > 0),
    type            text NOT NULL,
    schema_version  integer NOT NULL,
    data            jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);
-- The global order readers follow.
CREATE INDEX events_global_order ON events (era, transaction_id, position);

CREATE TABLE projection_checkpoints (
    name        text PRIMARY KEY,
    era         integer NOT NULL DEFAULT 0,
    tx          bigint NOT NULL DEFAULT 0,
    pos         bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
