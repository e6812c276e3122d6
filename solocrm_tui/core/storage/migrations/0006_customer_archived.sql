-- The few archived customers, indexed: the customer list counts a search in the FTS
-- index minus the archived matches, instead of looking up every matching row.
CREATE INDEX customer_archived ON customer (archived_at) WHERE archived_at IS NOT NULL;
