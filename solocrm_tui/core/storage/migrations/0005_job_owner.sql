-- Which process holds a job's lease ("host:pid"), so a lease left by an app that was
-- closed or killed mid-job is taken over at once instead of after the one-hour timeout.
ALTER TABLE job_state ADD COLUMN owner VARCHAR(255);
