-- Undo and erasure look batch changes up by the row they touched ("did a later
-- batch change this customer?", "which snapshots mention customer #12?"):
-- without this index each lookup scans every change ever recorded.
CREATE INDEX batch_change_row ON batch_change ("table", row_id);
