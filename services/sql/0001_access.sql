-- Secrets of the access slice, in ordinary mutable tables so they can be rotated and erased.
-- None of this ever goes into events.

-- One row per account that can sign in with a password. `login` is the normalised
-- (lower-case) login name; unique here, which is what keeps two accounts from sharing one.
CREATE TABLE credentials (
    account_id     text PRIMARY KEY,
    login          text NOT NULL UNIQUE,
    password_hash  text NOT NULL,          -- argon2id, with its parameters and salt
    updated_at     timestamptz NOT NULL
);

-- Signed-in browsers. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    account_id   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Bearer tokens for integrations: shown once at creation, stored as SHA-256 only.
CREATE TABLE api_tokens (
    token_id     text PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    account_id   text NOT NULL,
    label        text NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- Failed sign-ins when Redis is down. `key` is an HMAC (of the login or of the client
-- address with a rotating key), never the login or address itself.
CREATE TABLE signin_failures (
    key  text NOT NULL,
    at   timestamptz NOT NULL
);
CREATE INDEX signin_failures_key_at ON signin_failures (key, at);

-- The service's HMAC key when QS_SECRET_KEY is not set (the embedded default): made once,
-- here, so every worker process shares it. Setting QS_SECRET_KEY overrides it.
CREATE TABLE service_secret (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    key        text NOT NULL
);
INSERT INTO service_secret (key)
VALUES (encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                                 || clock_timestamp()::text, 'UTF8')), 'hex'));
