-- Seed step 6: every change recorded at or after as_of, with, for a code change (34), the
-- person's code on their previous history row (taken over their whole history, so a change
-- right after as_of still finds the code from before it).
SELECT c.*
FROM (
  SELECT h.*,
         CASE WHEN h.event_code = '34'
              THEN lag(h.juminhyo_code) OVER (PARTITION BY h.person_id ORDER BY h.processed_at, h.seq)
         END AS previous_juminhyo_code
  FROM history h
) c
WHERE c.processed_at >= :as_of::timestamp
