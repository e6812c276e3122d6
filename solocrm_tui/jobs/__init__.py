"""Jobs while the app runs: scheduling.py decides when (the only APScheduler import),
schedule.py lists the jobs, host.py is the app's side (start, stop, health line), reminders.py
tells the owner what came due. Job bodies live in core."""
