-- Real-world imports: a postal address on the customer, the lines of an order, deals
-- imported from another CRM (matched on its id on re-import), and the
-- settings the database itself must remember (the phone region its phone keys were made
-- with, so a changed region re-keys every stored phone before anything is matched on it).
ALTER TABLE customer ADD COLUMN street VARCHAR(255);
ALTER TABLE customer ADD COLUMN postcode VARCHAR(255);
ALTER TABLE customer ADD COLUMN region VARCHAR(255);
CREATE TABLE "order_line" ("id" INTEGER NOT NULL PRIMARY KEY, "order_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, "name" VARCHAR(255) NOT NULL, "sku" VARCHAR(255), "quantity" INTEGER NOT NULL, "unit_price_cents" INTEGER, FOREIGN KEY ("order_id") REFERENCES "orders" ("id") ON DELETE CASCADE);
CREATE INDEX "order_line_order_id" ON "order_line" ("order_id");
CREATE TABLE "setting" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
ALTER TABLE deal ADD COLUMN external_id VARCHAR(255);
ALTER TABLE deal ADD COLUMN batch_id VARCHAR(255);
CREATE UNIQUE INDEX "deal_external_id" ON "deal" ("external_id");
CREATE INDEX "deal_batch_id" ON "deal" ("batch_id");
