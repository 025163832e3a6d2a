-- SPEC §7.3: the day's list events and changes as one stream. The day function takes them by
-- (at, kind_order, ord): in time order; at equal times list events (0) before changes (1); then
-- changes by seq and list events by their line in list_events.csv.
SELECT l.at, 0 AS kind_order, l.line AS ord, 'list' AS kind, l.person_id, l.event,
       NULL::integer AS seq, NULL::text AS juminhyo_code, NULL::text AS event_code, NULL::date AS event_date,
       NULL::text AS name, NULL::text AS name_kana, NULL::text AS birth_date, NULL::text AS sex, NULL::text AS address
FROM list_events l
UNION ALL
SELECT c.processed_at, 1, c.seq, 'change', c.person_id, NULL,
       c.seq, c.juminhyo_code, c.event_code, c.event_date, c.name, c.name_kana, c.birth_date, c.sex, c.address
FROM changes c
