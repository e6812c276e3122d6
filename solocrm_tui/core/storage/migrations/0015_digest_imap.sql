-- The owner's digest becomes an outbox of its own: the digest (its Message-ID fixed when it
-- is made) is written in the same transaction that claims its follow-ups, so a sender killed
-- before the "sent" mark leaves a row the next run sends again with the same id: once, not
-- at most once. The follow-ups it tells of point at it.
CREATE TABLE "digest" ("id" INTEGER NOT NULL PRIMARY KEY, "message_id" VARCHAR(255) NOT NULL, "subject" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "status" VARCHAR(255) NOT NULL, "attempts" INTEGER NOT NULL, "resent" INTEGER NOT NULL, "claimed_by" VARCHAR(255), "claimed_at" DATETIME, "sent_at" DATETIME, "error" VARCHAR(255), "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "digest_message_id" ON "digest" ("message_id");
CREATE INDEX "digest_status" ON "digest" ("status");
ALTER TABLE followup ADD COLUMN digest_id INTEGER REFERENCES "digest" ("id") ON DELETE SET NULL;
CREATE INDEX "followup_digest_id" ON "followup" ("digest_id");
-- An IMAP folder pulled from: the server's UIDVALIDITY and the highest UID already read,
-- so a pull fetches only what is new (Message-IDs still dedupe whatever is read twice).
CREATE TABLE "mail_folder" ("id" INTEGER NOT NULL PRIMARY KEY, "server" VARCHAR(255) NOT NULL, "user" VARCHAR(255) NOT NULL, "folder" VARCHAR(255) NOT NULL, "uidvalidity" INTEGER NOT NULL, "last_uid" INTEGER NOT NULL, "pulled_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "mail_folder_server_user_folder" ON "mail_folder" ("server", "user", "folder");
