"""Demo data: a realistic book of customers, orders and activity for trying the app."""
