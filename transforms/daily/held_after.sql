-- The held store after the day (SPEC §7.1): every record held at some moment, in held order,
-- but for those a withdraw released; seq renumbered 1…n. A released record keeps its values.
SELECT row_number() OVER (ORDER BY a.step, a.rank) AS seq,
       a.person_id, a.juminhyo_code, a.previous_juminhyo_code, a.event_code, a.event_date,
       a.name, a.name_kana, a.birth_date, a.sex, a.address
FROM held_all a
WHERE NOT EXISTS (SELECT 1 FROM released r WHERE r.step = a.step AND r.rank = a.rank)
