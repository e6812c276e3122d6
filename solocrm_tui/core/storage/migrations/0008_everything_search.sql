-- One full-text index over everything the owner wrote besides the customer fields:
-- interaction bodies, follow-up titles, deal titles with lost reasons, ticket subjects,
-- order descriptions and custom-field values. Contentless, so the words are not stored
-- twice; the rowid names the source row (id * 8 + 1 interaction, 2 follow-up, 3 deal,
-- 4 ticket, 5 order, 6 a customer's custom fields), so a change is removed by rowid with
-- the old values the triggers hold. The app's own system entries ("deal opened: …")
-- repeat what is indexed already and are left out. `kind` is indexed so `kind:call` is a column filter.
CREATE VIRTUAL TABLE entry_fts USING fts5(
    body, kind, content='', tokenize="unicode61 remove_diacritics 2", prefix='2 3'
);
CREATE TRIGGER entry_fts_interaction_ai AFTER INSERT ON interaction WHEN new.kind <> 'system' BEGIN
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 1, new.body, new.kind);
END;
CREATE TRIGGER entry_fts_interaction_ad AFTER DELETE ON interaction WHEN old.kind <> 'system' BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 1, old.body, old.kind);
END;
CREATE TRIGGER entry_fts_interaction_au AFTER UPDATE OF body, kind ON interaction BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind)
    SELECT 'delete', old.id * 8 + 1, old.body, old.kind WHERE old.kind <> 'system';
    INSERT INTO entry_fts(rowid, body, kind) SELECT new.id * 8 + 1, new.body, new.kind WHERE new.kind <> 'system';
END;
CREATE TRIGGER entry_fts_followup_ai AFTER INSERT ON followup BEGIN
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 2, new.title, 'followup');
END;
CREATE TRIGGER entry_fts_followup_ad AFTER DELETE ON followup BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 2, old.title, 'followup');
END;
CREATE TRIGGER entry_fts_followup_au AFTER UPDATE OF title ON followup BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 2, old.title, 'followup');
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 2, new.title, 'followup');
END;
CREATE TRIGGER entry_fts_deal_ai AFTER INSERT ON deal BEGIN
    INSERT INTO entry_fts(rowid, body, kind)
    VALUES (new.id * 8 + 3, new.title || ' ' || COALESCE(new.lost_reason, ''), 'deal');
END;
CREATE TRIGGER entry_fts_deal_ad AFTER DELETE ON deal BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind)
    VALUES ('delete', old.id * 8 + 3, old.title || ' ' || COALESCE(old.lost_reason, ''), 'deal');
END;
CREATE TRIGGER entry_fts_deal_au AFTER UPDATE OF title, lost_reason ON deal BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind)
    VALUES ('delete', old.id * 8 + 3, old.title || ' ' || COALESCE(old.lost_reason, ''), 'deal');
    INSERT INTO entry_fts(rowid, body, kind)
    VALUES (new.id * 8 + 3, new.title || ' ' || COALESCE(new.lost_reason, ''), 'deal');
END;
CREATE TRIGGER entry_fts_ticket_ai AFTER INSERT ON ticket BEGIN
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 4, new.subject, 'ticket');
END;
CREATE TRIGGER entry_fts_ticket_ad AFTER DELETE ON ticket BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 4, old.subject, 'ticket');
END;
CREATE TRIGGER entry_fts_ticket_au AFTER UPDATE OF subject ON ticket BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 4, old.subject, 'ticket');
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 4, new.subject, 'ticket');
END;
CREATE TRIGGER entry_fts_order_ai AFTER INSERT ON orders BEGIN
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 5, new.description, 'order');
END;
CREATE TRIGGER entry_fts_order_ad AFTER DELETE ON orders BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 5, old.description, 'order');
END;
CREATE TRIGGER entry_fts_order_au AFTER UPDATE OF description ON orders BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind) VALUES ('delete', old.id * 8 + 5, old.description, 'order');
    INSERT INTO entry_fts(rowid, body, kind) VALUES (new.id * 8 + 5, new.description, 'order');
END;
-- Custom fields: the values only, and only for customers that have some (most have none);
-- a value that is not JSON is indexed as nothing rather than failing the write.
CREATE TRIGGER entry_fts_custom_ai AFTER INSERT ON customer BEGIN
    INSERT INTO entry_fts(rowid, body, kind)
    SELECT new.id * 8 + 6, v, 'custom' FROM (SELECT group_concat(value, ' ') AS v FROM json_each(
        CASE WHEN json_valid(new.custom) THEN new.custom ELSE '{}' END)) WHERE v IS NOT NULL;
END;
CREATE TRIGGER entry_fts_custom_ad AFTER DELETE ON customer BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind)
    SELECT 'delete', old.id * 8 + 6, v, 'custom' FROM (SELECT group_concat(value, ' ') AS v FROM json_each(
        CASE WHEN json_valid(old.custom) THEN old.custom ELSE '{}' END)) WHERE v IS NOT NULL;
END;
CREATE TRIGGER entry_fts_custom_au AFTER UPDATE OF custom ON customer BEGIN
    INSERT INTO entry_fts(entry_fts, rowid, body, kind)
    SELECT 'delete', old.id * 8 + 6, v, 'custom' FROM (SELECT group_concat(value, ' ') AS v FROM json_each(
        CASE WHEN json_valid(old.custom) THEN old.custom ELSE '{}' END)) WHERE v IS NOT NULL;
    INSERT INTO entry_fts(rowid, body, kind)
    SELECT new.id * 8 + 6, v, 'custom' FROM (SELECT group_concat(value, ' ') AS v FROM json_each(
        CASE WHEN json_valid(new.custom) THEN new.custom ELSE '{}' END)) WHERE v IS NOT NULL;
END;
INSERT INTO entry_fts(rowid, body, kind) SELECT id * 8 + 1, body, kind FROM interaction WHERE kind <> 'system';
INSERT INTO entry_fts(rowid, body, kind) SELECT id * 8 + 2, title, 'followup' FROM followup;
INSERT INTO entry_fts(rowid, body, kind) SELECT id * 8 + 3, title || ' ' || COALESCE(lost_reason, ''), 'deal' FROM deal;
INSERT INTO entry_fts(rowid, body, kind) SELECT id * 8 + 4, subject, 'ticket' FROM ticket;
INSERT INTO entry_fts(rowid, body, kind) SELECT id * 8 + 5, description, 'order' FROM orders;
INSERT INTO entry_fts(rowid, body, kind)
SELECT id * 8 + 6, v, 'custom' FROM (SELECT c.id, (SELECT group_concat(value, ' ') FROM json_each(
    CASE WHEN json_valid(c.custom) THEN c.custom ELSE '{}' END)) AS v FROM customer c) WHERE v IS NOT NULL;
