-- Campaign sending: the template a campaign is sent with, and one outbox row per
-- (campaign, target) whose Message-ID is fixed when the row is made, so a mail resent
-- after a crash carries the same id and the recipient's server can drop the copy.
ALTER TABLE "campaign" ADD COLUMN "template" VARCHAR(255);
CREATE TABLE "outbox" ("id" INTEGER NOT NULL PRIMARY KEY, "campaign_id" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "address" VARCHAR(255), "status" VARCHAR(255) NOT NULL, "reason" VARCHAR(255), "message_id" VARCHAR(255) NOT NULL, "attempts" INTEGER NOT NULL, "resent" INTEGER NOT NULL, "claimed_by" VARCHAR(255), "claimed_at" DATETIME, "sent_at" DATETIME, "error" VARCHAR(255), FOREIGN KEY ("campaign_id") REFERENCES "campaign" ("id") ON DELETE CASCADE, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE);
CREATE INDEX "outbox_customer_id" ON "outbox" ("customer_id");
CREATE UNIQUE INDEX "outbox_campaign_id_customer_id" ON "outbox" ("campaign_id", "customer_id");
CREATE INDEX "outbox_campaign_id_status" ON "outbox" ("campaign_id", "status");
CREATE UNIQUE INDEX "outbox_message_id" ON "outbox" ("message_id");
