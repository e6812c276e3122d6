"""Cross-sell: which catalogue products the same customers buy, as association rules X → Y.

Counted over customers, not orders: a customer who bought beans twelve times is one buyer
of beans, so a few regulars cannot make a pair look popular. Over the customers with any
catalogue product (the base, n):

    customers(X, Y)  customers who bought both X and Y
    support          customers(X, Y) / n
    confidence(X→Y)  customers(X, Y) / buyers of X
    lift(X→Y)        confidence(X→Y) / (buyers of Y / n)
                     = how many times as often X's buyers buy Y as the base does

A pair is kept when its support reaches the configured minimum and at least
`MIN_CO_BUYERS` customers bought both.
"""

from __future__ import annotations

import pandas as pd

# Three co-buyers is the least evidence worth showing the owner: with one or two, "customers
# who bought X also bought Y" describes a person, not a pattern, and on a small book the
# support floor alone would let such a pair through.
MIN_CO_BUYERS = 3
PAIR_COLUMNS = ["antecedent_id", "consequent_id", "customers", "support", "confidence", "lift"]


def product_pairs(purchases: pd.DataFrame, min_support: float) -> pd.DataFrame:
    """The rules X → Y (both directions of each pair) from `purchases` (customer_id,
    product_id; repeats allowed), strongest lift first."""
    bought = purchases[["customer_id", "product_id"]].drop_duplicates()
    n = bought["customer_id"].nunique()
    if n == 0:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    buyers = bought.groupby("product_id")["customer_id"].nunique()
    both = bought.merge(bought, on="customer_id", suffixes=("_x", "_y"))
    both = both.loc[both["product_id_x"] != both["product_id_y"]]
    pairs = (both.groupby(["product_id_x", "product_id_y"]).size().rename("customers").reset_index()
             .rename(columns={"product_id_x": "antecedent_id", "product_id_y": "consequent_id"}))
    pairs["support"] = pairs["customers"] / n
    pairs = pairs.loc[(pairs["support"] >= min_support) & (pairs["customers"] >= MIN_CO_BUYERS)].copy()
    pairs["confidence"] = pairs["customers"] / pairs["antecedent_id"].map(buyers).to_numpy()
    pairs["lift"] = pairs["confidence"] / (pairs["consequent_id"].map(buyers).to_numpy() / n)
    pairs = pairs.sort_values(["lift", "confidence", "antecedent_id", "consequent_id"],
                              ascending=[False, False, True, True], ignore_index=True)
    return pairs.astype({"antecedent_id": "int64", "consequent_id": "int64", "customers": "int64"})[PAIR_COLUMNS]
