-- Seed step 2, the anti-join: every list row that is not a target, with the reason.
-- A repeated request is a duplicate_request; a kept request of someone not in the snapshot is
-- unknown_person (no history at all), not_resident_at_as_of (history before as_of, but not in
-- the snapshot) or not_yet_resident (all their history is at or after as_of).
SELECT r.person_id, r.requested_on, r.line,
       CASE
         WHEN NOT r.kept THEN 'duplicate_request'
         WHEN NOT EXISTS (SELECT 1 FROM history h WHERE h.person_id = r.person_id) THEN 'unknown_person'
         WHEN EXISTS (SELECT 1 FROM history h WHERE h.person_id = r.person_id AND h.processed_at < :as_of::timestamp) THEN 'not_resident_at_as_of'
         ELSE 'not_yet_resident'
       END AS reason
FROM list_requests r
WHERE NOT r.kept
   OR r.person_id NOT IN (SELECT person_id FROM snapshot)
