-- shelfgate store, schema 5.
--
-- Binary copies of decoded facts and listings, for bulk readers. Decoding
-- stored JSON through the WIT walk costs a recheck more than evaluating
-- the app; a postcard copy decodes straight into the generated types. The
-- JSON rows stay the source of truth: a copy is written only from a value
-- decoded from them, `schema` names the WIT build that wrote it (a copy of
-- another schema is ignored and replaced), and the table can be emptied at
-- any time without losing anything.
--
-- `kind`: 0 = facts (key: apk sha256), 1 = listing (key: listing sha256).
-- `codec`: 0 = postcard, 1 = zstd-compressed postcard.
CREATE TABLE decoded_copies (
    kind   INTEGER NOT NULL CHECK (kind IN (0, 1)),
    key    TEXT NOT NULL,
    schema TEXT NOT NULL,
    codec  INTEGER NOT NULL,
    body   BLOB NOT NULL,
    PRIMARY KEY (kind, key)
);
