-- Email: a message on the timeline keeps its Message-ID, so a mailbox imported twice, or
-- the Sent folder of mail SoloCRM sent itself, logs each message once.
ALTER TABLE interaction ADD COLUMN message_id VARCHAR(255);
CREATE UNIQUE INDEX "interaction_message_id" ON "interaction" ("message_id");
