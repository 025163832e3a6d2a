-- What the linkage server holds: every ex-officio entry (in juminhyo_code order), then every
-- held change (in processing order). Full participation (seed step 7) releases it as it is;
-- the daily runs (SPEC §7) release a person's records by person_id, which only state/held.csv keeps.
SELECT row_number() OVER (ORDER BY part, code COLLATE "C", processed_at, change_seq) AS seq,
       person_id, juminhyo_code, previous_juminhyo_code, event_code, event_date,
       name, name_kana, birth_date, sex, address
FROM (
  SELECT 1 AS part, e.juminhyo_code AS code, NULL::timestamp AS processed_at, NULL::integer AS change_seq,
         e.person_id, e.juminhyo_code, e.previous_juminhyo_code, e.event_code, e.event_date,
         e.name, e.name_kana, e.birth_date, e.sex, e.address
  FROM entries e
  UNION ALL
  SELECT 2, NULL, c.processed_at, c.seq,
         c.person_id, c.juminhyo_code, c.previous_juminhyo_code, c.event_code, c.event_date,
         c.name, c.name_kana, c.birth_date, c.sex, c.address
  FROM held_changes c
) held
