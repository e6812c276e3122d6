-- Per-customer model ranges and the churn "why": expected purchases and CLV carry their
-- P10-P90 range, and the churn risk names its biggest drivers in words.
ALTER TABLE customer ADD COLUMN expected_purchases_low REAL;
ALTER TABLE customer ADD COLUMN expected_purchases_high REAL;
ALTER TABLE customer ADD COLUMN clv_low REAL;
ALTER TABLE customer ADD COLUMN clv_high REAL;
ALTER TABLE customer ADD COLUMN churn_why VARCHAR(255);
