-- Seed step 1: the registry as it stood at as_of, in transaction time.
-- For each person, their last history row recorded strictly before as_of (by processed_at, then
-- seq). The person is in the snapshot when that row is an add or a modify. A death recorded after
-- as_of leaves the person in: the network received what the registry said at the time.
SELECT last.*
FROM (
  SELECT DISTINCT ON (h.person_id) h.*
  FROM history h
  WHERE h.processed_at < :as_of::timestamp
  ORDER BY h.person_id, h.processed_at DESC, h.seq DESC
) last
JOIN event_codes c ON c.code = last.event_code
WHERE c.class IN ('add', 'modify')
