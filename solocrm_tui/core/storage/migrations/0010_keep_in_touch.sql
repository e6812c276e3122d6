-- Keep in touch: recurring follow-ups and a rhythm per contact or per tag.
-- A recurring follow-up carries its rule (RFC 5545 RRULE text, without DTSTART: the
-- occurrence's own due_at is the start) and whether the next occurrence counts from the
-- due date or from when it was done; each occurrence is its own row, so each is
-- reminded once and done once, and series_id ties them to the series' first row.
ALTER TABLE followup ADD COLUMN recurrence VARCHAR(255);
ALTER TABLE followup ADD COLUMN recur_from VARCHAR(255);
ALTER TABLE followup ADD COLUMN series_id INTEGER;
-- What the series' rhythm counts from: its first due moment, which snoozing that first
-- occurrence does not move.
ALTER TABLE followup ADD COLUMN anchor_at DATETIME;
CREATE INDEX "followup_series_id" ON "followup" ("series_id");
-- A cadence: keep in touch with this customer, or everyone with this tag, every N days.
CREATE TABLE "cadence" ("id" INTEGER NOT NULL PRIMARY KEY, "customer_id" INTEGER, "tag" VARCHAR(255), "days" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "cadence_customer_id" ON "cadence" ("customer_id");
CREATE UNIQUE INDEX "cadence_tag" ON "cadence" ("tag");
