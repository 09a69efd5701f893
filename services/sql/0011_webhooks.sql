-- Outbound webhook deliveries: mutable delivery state beside the case_notifications
-- projection, so rebuilding the projection never sends anything twice.
CREATE TABLE webhook_deliveries (
    event_id      uuid NOT NULL,
    url           text NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt  timestamptz NOT NULL,
    delivered_at  timestamptz,
    last_error    text,
    PRIMARY KEY (event_id, url)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt) WHERE delivered_at IS NULL;
