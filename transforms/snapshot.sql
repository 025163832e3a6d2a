-- Seed step 1: the registry as it stood at as_of, in transaction time.
-- For each person, their last history row recorded strictly before as_of (by processed_at, then
-- seq). The person is in the snapshot when that row is an add or a modify. A death recorded after
-- as_of leaves the person in: the network received what the registry said at the time.
-- (The last row found as in registry.sql.)
SELECT h.*
FROM history h
JOIN event_codes c ON c.code = h.event_code
WHERE h.processed_at < :as_of::timestamp
  AND c.class IN ('add', 'modify')
  AND NOT EXISTS (
    SELECT 1 FROM history later
    WHERE later.person_id = h.person_id
      AND later.processed_at < :as_of::timestamp
      AND (later.processed_at > h.processed_at OR (later.processed_at = h.processed_at AND later.seq > h.seq))
  )
