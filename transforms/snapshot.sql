-- Seed step 1: the registry as it stood at as_of, in transaction time.
-- For each person, their last history row recorded strictly before as_of (by processed_at, then
-- seq). The person is in the snapshot when that row is an add or a modify. A death recorded after
-- as_of leaves the person in: the network received what the registry said at the time.
-- (The last rows are found as in registry.sql: an anti-join on the four columns it needs, then the
-- rows taken by seq. DuckDB plans a NOT EXISTS whose correlation is not an equality by first
-- keeping a copy of every outer row: with every column, 6.5 M rows at scale 1.0, past its memory
-- limit. One step took DuckDB 6.2–6.4 s of a 35 s run at scale 1.0, two steps 3.7 s. PostgreSQL,
-- timed alone, took 5.2–5.8 s in one step and 6.6–7.4 s in two; in a run, where this stage runs
-- beside registry.sql, the run took 70 s either way.)
SELECT h.*
FROM history h
WHERE h.seq IN (
  SELECT k.seq
  FROM history k
  JOIN event_codes c ON c.code = k.event_code
  WHERE k.processed_at < :as_of::timestamp
    AND c.class IN ('add', 'modify')
    AND NOT EXISTS (
      SELECT 1 FROM history later
      WHERE later.person_id = k.person_id
        AND later.processed_at < :as_of::timestamp
        AND (later.processed_at > k.processed_at OR (later.processed_at = k.processed_at AND later.seq > k.seq))
    )
)
