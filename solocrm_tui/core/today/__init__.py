"""Today: the owner's daily queue, ranked, each row saying why it is there.

items.py holds the row type and the URGENCY table, sources.py where rows come from,
dismissals.py what the owner put away, queue.py the ranked queue (`todays_queue`).
"""
