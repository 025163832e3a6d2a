-- The linkage server's copy of every person with a history row (SPEC §7.1): each person's last
-- history row (by processed_at, then seq), present when its event is of class add or modify.
-- The daily runs carry it on; a request's ex-officio deletion takes its values from it.
-- (The last row is the one no later row of the person follows: an anti-join, which PostgreSQL and
-- DuckDB both hash. DISTINCT ON ran out of memory on DuckDB at ten million rows; row_number()
-- took PostgreSQL half as long again. The anti-join finds the rows' seq on the four columns it
-- needs, then the rows are taken by seq (the primary key): at scale 1.0 DuckDB 10 s against 15 s for an anti-join
-- carrying every column, PostgreSQL 20 s against 23 s. snapshot.sql finds its rows the same way.)
SELECT h.person_id,
       c.class IN ('add', 'modify') AS present,
       h.juminhyo_code, h.name, h.name_kana, h.birth_date, h.sex, h.address
FROM history h
JOIN event_codes c ON c.code = h.event_code
WHERE h.seq IN (
  SELECT k.seq FROM history k
  WHERE NOT EXISTS (
    SELECT 1 FROM history later
    WHERE later.person_id = k.person_id
      AND (later.processed_at > k.processed_at OR (later.processed_at = k.processed_at AND later.seq > k.seq))
  )
)
