-- The linkage server's copy of every person with a history row (SPEC §7.1): each person's last
-- history row (by processed_at, then seq), present when its event is of class add or modify.
-- The daily runs carry it on; a request's ex-officio deletion takes its values from it.
-- (row_number() rather than DISTINCT ON: DuckDB's window spills to disk past its memory limit,
-- where its DISTINCT ON ran out of memory on ten million history rows.)
SELECT last.person_id,
       c.class IN ('add', 'modify') AS present,
       last.juminhyo_code, last.name, last.name_kana, last.birth_date, last.sex, last.address
FROM (
  SELECT h.*, row_number() OVER (PARTITION BY h.person_id ORDER BY h.processed_at DESC, h.seq DESC) AS rn
  FROM history h
) last
JOIN event_codes c ON c.code = last.event_code
WHERE last.rn = 1
