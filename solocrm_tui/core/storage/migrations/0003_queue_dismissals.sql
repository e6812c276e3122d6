-- Suggestions in the Today queue that the owner dismissed or snoozed, until when.
CREATE TABLE queue_dismissal (
    item_key VARCHAR(255) NOT NULL PRIMARY KEY,
    until DATETIME NOT NULL
);
CREATE INDEX queue_dismissal_until ON queue_dismissal (until);
