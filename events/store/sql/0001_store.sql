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

-- append(stream, events, expected) in one round trip.
-- p_expected: >= 0 exact version (0 = the stream must not exist), -1 any, -2 stream exists.
-- Raises QS001 (wrong expected version, DETAIL = actual version), QS002 (a transaction that
-- took its id earlier tries to append after a later one: retry in a fresh transaction),
-- QS003 (an event id is reused with other content). Returns the positions; a repeat of an
-- append already stored returns the original rows with replayed = true.
CREATE FUNCTION qs_append(
    p_stream text, p_expected bigint, p_ids uuid[], p_types text[], p_versions integer[],
    p_data text[], p_meta text[]
) RETURNS TABLE (out_position bigint, out_version bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_current bigint;
    v_last_tx xid8;
    v_found integer;
    v_matching integer;
BEGIN
    -- Appends to one stream queue here until the previous one commits, so the version read
    -- below is the committed one and a race ends in QS001, never in a unique violation.
    PERFORM pg_advisory_xact_lock(1, hashtext(p_stream));
    -- Shared with every other append; exclusive only while migrate opens a new era, so no
    -- append of the old era is still in flight once the new era is visible.
    PERFORM pg_advisory_xact_lock_shared(5, 0);

    SELECT count(*), count(*) FILTER (
               WHERE e.stream_id = p_stream AND e.type = t.type AND e.data = t.data::jsonb)
      INTO v_found, v_matching
      FROM unnest(p_ids, p_types, p_data) AS t(id, type, data)
      JOIN events e ON e.event_id = t.id;
    IF v_found > 0 THEN
        IF v_found = cardinality(p_ids) AND v_matching = v_found THEN
            RETURN QUERY SELECT e.position, e.stream_version, true FROM events e
                          WHERE e.event_id = ANY(p_ids) ORDER BY e.stream_version;
            RETURN;
        END IF;
        RAISE EXCEPTION 'event ids already used with other content' USING ERRCODE = 'QS003';
    END IF;

    SELECT e.stream_version, e.transaction_id INTO v_current, v_last_tx
      FROM events e WHERE e.stream_id = p_stream ORDER BY e.stream_version DESC LIMIT 1;
    v_current := coalesce(v_current, 0);

    IF (p_expected >= 0 AND v_current <> p_expected) OR (p_expected = -2 AND v_current = 0) THEN
        RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'QS001',
              DETAIL = v_current::text;
    END IF;
    IF v_last_tx IS NOT NULL AND v_last_tx > pg_current_xact_id() THEN
        RAISE EXCEPTION 'stream written by a later transaction' USING ERRCODE = 'QS002';
    END IF;

    RETURN QUERY
    INSERT INTO events (era, event_id, stream_id, stream_version, type, schema_version, data, metadata)
    SELECT (SELECT era FROM store_meta), t.id, p_stream, v_current + t.n, t.type, t.version,
           t.data::jsonb, t.meta::jsonb
      FROM unnest(p_ids, p_types, p_versions, p_data, p_meta)
           WITH ORDINALITY AS t(id, type, version, data, meta, n)
    RETURNING position, stream_version, false;
END
$$;
