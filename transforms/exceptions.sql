-- Seed step 2, the anti-join: every list row that is not a target, with the reason.
-- A repeated request is a duplicate_request; a kept request of someone not in the snapshot is
-- unknown_person (no history at all), not_resident_at_as_of (history before as_of, but not in
-- the snapshot) or not_yet_resident (all their history is at or after as_of).
-- (A person's history is looked at only for the requests that are exceptions, once each, by the
-- first time it was recorded: at scale 1.0 PostgreSQL took 7 s, where an EXISTS over the history
-- in the CASE for every request, and the facts of all 830 k listed persons, took 20 s and 12 s.)
WITH candidates AS (
  SELECT r.person_id, r.requested_on, r.line, r.kept
  FROM list_requests r
  WHERE NOT r.kept
     OR NOT EXISTS (SELECT 1 FROM snapshot s WHERE s.person_id = r.person_id)
)
SELECT c.person_id, c.requested_on, c.line,
       CASE
         WHEN NOT c.kept THEN 'duplicate_request'
         WHEN p.person_id IS NULL THEN 'unknown_person'
         WHEN p.first_at < :as_of::timestamp THEN 'not_resident_at_as_of'
         ELSE 'not_yet_resident'
       END AS reason
FROM candidates c
LEFT JOIN (
  SELECT h.person_id, min(h.processed_at) AS first_at
  FROM history h
  WHERE h.person_id IN (SELECT person_id FROM candidates WHERE kept)
  GROUP BY h.person_id
) p ON p.person_id = c.person_id
