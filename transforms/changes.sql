-- Seed step 6: every change recorded at or after as_of, with, for a code change (34), the
-- person's code on their previous history row (taken over their whole history, so a change
-- right after as_of still finds the code from before it).
-- (The window runs only over the history of persons with such a change, whose rows are found
-- again by seq, the primary key: over all eight million rows at scale 1.0 it took DuckDB 9.5 s
-- and PostgreSQL 24 s, this way 2.1 s and 5.8 s.)
SELECT h.*, p.previous_juminhyo_code
FROM history h
LEFT JOIN (
  SELECT w.seq, w.previous_juminhyo_code
  FROM (
    SELECT x.seq, x.event_code, x.processed_at,
           lag(x.juminhyo_code) OVER (PARTITION BY x.person_id ORDER BY x.processed_at, x.seq) AS previous_juminhyo_code
    FROM history x
    WHERE x.person_id IN (SELECT person_id FROM history WHERE event_code = '34' AND processed_at >= :as_of::timestamp)
  ) w
  WHERE w.event_code = '34' AND w.processed_at >= :as_of::timestamp
) p ON p.seq = h.seq
WHERE h.processed_at >= :as_of::timestamp
