-- Reminders by email are a channel of their own: mailed_at says the owner was mailed about
-- a follow-up, beside notified_at (told in the app or by `solocrm remind`), so the app's
-- bell and the mail both happen, each once.
ALTER TABLE followup ADD COLUMN mailed_at DATETIME;
CREATE INDEX "followup_mailed_at_due_at" ON "followup" ("mailed_at", "due_at");
