-- Fast customer search and list sorting at 100k customers:
-- an FTS5 index kept in step by triggers, and one index per sortable column.
CREATE VIRTUAL TABLE customer_fts USING fts5(
    name, company, email, phone, city, tags,
    content='customer', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix='1 2 3'
);
CREATE TRIGGER customer_fts_ai AFTER INSERT ON customer BEGIN
    INSERT INTO customer_fts(rowid, name, company, email, phone, city, tags)
    VALUES (new.id, new.name, new.company, new.email, new.phone, new.city, new.tags);
END;
CREATE TRIGGER customer_fts_ad AFTER DELETE ON customer BEGIN
    INSERT INTO customer_fts(customer_fts, rowid, name, company, email, phone, city, tags)
    VALUES ('delete', old.id, old.name, old.company, old.email, old.phone, old.city, old.tags);
END;
CREATE TRIGGER customer_fts_au AFTER UPDATE OF name, company, email, phone, city, tags ON customer BEGIN
    INSERT INTO customer_fts(customer_fts, rowid, name, company, email, phone, city, tags)
    VALUES ('delete', old.id, old.name, old.company, old.email, old.phone, old.city, old.tags);
    INSERT INTO customer_fts(rowid, name, company, email, phone, city, tags)
    VALUES (new.id, new.name, new.company, new.email, new.phone, new.city, new.tags);
END;
INSERT INTO customer_fts(customer_fts) VALUES ('rebuild');
CREATE INDEX customer_sort_name ON customer (name COLLATE NOCASE, id);
CREATE INDEX customer_sort_company ON customer (company COLLATE NOCASE, id);
CREATE INDEX customer_sort_last_contact ON customer (last_contact_at, id);
CREATE INDEX customer_sort_revenue ON customer (revenue_cents, id);
CREATE INDEX customer_sort_clv ON customer (clv, id);
CREATE INDEX customer_sort_churn ON customer (churn_risk, id);
CREATE INDEX interaction_kind_time ON interaction (kind, occurred_at);
CREATE INDEX deal_stage_activity ON deal (stage, last_activity_at);
