-- Products, quotes and margin. The catalogue: what the owner sells, with its list price
-- and what one costs them (NULL when unknown, never read as free).
CREATE TABLE "product" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "sku" VARCHAR(255), "price_cents" INTEGER, "cost_cents" INTEGER, "active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "batch_id" VARCHAR(255));
-- Names and SKUs are matched as typed in any case ("ek43" is the EK43), so each is unique in any case.
CREATE UNIQUE INDEX "product_sku" ON "product" ("sku" COLLATE NOCASE);
CREATE UNIQUE INDEX "product_name" ON "product" ("name" COLLATE NOCASE);
CREATE INDEX "product_batch_id" ON "product" ("batch_id");
-- An order line names the catalogue product it was (kept when the product is deleted:
-- the line keeps its own name and price) and what one unit cost at the time.
ALTER TABLE order_line ADD COLUMN product_id INTEGER REFERENCES "product" ("id") ON DELETE SET NULL;
ALTER TABLE order_line ADD COLUMN unit_cost_cents INTEGER;
CREATE INDEX "order_line_product_id" ON "order_line" ("product_id");
-- The deal an order came from: winning a deal creates its order.
ALTER TABLE orders ADD COLUMN deal_id INTEGER REFERENCES "deal" ("id") ON DELETE SET NULL;
CREATE INDEX "orders_deal_id" ON "orders" ("deal_id");
-- What a deal offers, line by line; its value is their sum while it has lines.
CREATE TABLE "deal_line" ("id" INTEGER NOT NULL PRIMARY KEY, "deal_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, "product_id" INTEGER, "name" VARCHAR(255) NOT NULL, "sku" VARCHAR(255), "quantity" INTEGER NOT NULL, "unit_price_cents" INTEGER NOT NULL, "unit_cost_cents" INTEGER, FOREIGN KEY ("deal_id") REFERENCES "deal" ("id") ON DELETE CASCADE, FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE SET NULL);
CREATE INDEX "deal_line_deal_id" ON "deal_line" ("deal_id");
-- A quote as it was sent: its number, the Markdown it was rendered from (the lines and
-- owner details of that day, not of today) and where its PDF was written.
CREATE TABLE "quote" ("id" INTEGER NOT NULL PRIMARY KEY, "number" VARCHAR(255) NOT NULL, "customer_id" INTEGER NOT NULL, "deal_id" INTEGER, "created_at" DATETIME NOT NULL, "valid_until" DATE, "currency" VARCHAR(255) NOT NULL, "total_cents" INTEGER NOT NULL, "markdown" TEXT NOT NULL, "pdf_path" VARCHAR(255), FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, FOREIGN KEY ("deal_id") REFERENCES "deal" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "quote_number" ON "quote" ("number");
CREATE INDEX "quote_customer_id" ON "quote" ("customer_id");
CREATE INDEX "quote_deal_id" ON "quote" ("deal_id");
-- Cross-sell: product pairs bought by the same customers, as the last refit measured them.
CREATE TABLE "product_affinity" ("antecedent_id" INTEGER NOT NULL, "consequent_id" INTEGER NOT NULL, "customers" INTEGER NOT NULL, "support" REAL NOT NULL, "confidence" REAL NOT NULL, "lift" REAL NOT NULL, "computed_at" DATETIME NOT NULL, PRIMARY KEY ("antecedent_id", "consequent_id"), FOREIGN KEY ("antecedent_id") REFERENCES "product" ("id") ON DELETE CASCADE, FOREIGN KEY ("consequent_id") REFERENCES "product" ("id") ON DELETE CASCADE);
