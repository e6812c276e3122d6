"""Demo data: a realistic book of customers, orders and activity for trying the app.

The sizes live here, not in `generate`, so the CLI can check `--customers` without
loading the storage layer."""

MAX_CUSTOMERS = 200_000
DEFAULT_CUSTOMERS = 1500  # enough buyers with a past for the churn model and BG/NBD to engage
