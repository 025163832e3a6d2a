-- The linkage server's copy of every person with a history row (SPEC §7.1): each person's last
-- history row (by processed_at, then seq), present when its event is of class add or modify.
-- The daily runs carry it on; a request's ex-officio deletion takes its values from it.
SELECT DISTINCT ON (h.person_id)
       h.person_id,
       c.class IN ('add', 'modify') AS present,
       h.juminhyo_code, h.name, h.name_kana, h.birth_date, h.sex, h.address
FROM history h
JOIN event_codes c ON c.code = h.event_code
ORDER BY h.person_id, h.processed_at DESC, h.seq DESC
