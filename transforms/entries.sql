-- Seed steps 2 and 5: one ex-officio entry (職権記載, event 13) per target, dated action_date,
-- with the person's snapshot values, in juminhyo_code order. person_id is kept for the held store
-- (SPEC §7.1); the sink names the feed's columns, so it never leaves the city.
SELECT row_number() OVER (ORDER BY t.juminhyo_code COLLATE "C") AS seq,
       t.juminhyo_code,
       NULL::text AS previous_juminhyo_code,
       '13' AS event_code,
       :action_date::date AS event_date,
       t.name, t.name_kana, t.birth_date, t.sex, t.address,
       t.person_id
FROM targets t
