-- Seed step 1: the registry as it stood at as_of, in transaction time.
-- For each person, their last history row recorded strictly before as_of (by processed_at, then
-- seq). The person is in the snapshot when that row is an add or a modify. A death recorded after
-- as_of leaves the person in: the network received what the registry said at the time.
-- (row_number() rather than DISTINCT ON, as in registry.sql.)
SELECT last.seq, last.person_id, last.juminhyo_code, last.event_code, last.event_date, last.processed_at,
       last.name, last.name_kana, last.birth_date, last.sex, last.address
FROM (
  SELECT h.*, row_number() OVER (PARTITION BY h.person_id ORDER BY h.processed_at DESC, h.seq DESC) AS rn
  FROM history h
  WHERE h.processed_at < :as_of::timestamp
) last
JOIN event_codes c ON c.code = last.event_code
WHERE last.rn = 1 AND c.class IN ('add', 'modify')
