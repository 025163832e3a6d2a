-- The state of the persons the day's events touch: their registry record, if they have one, and
-- whether they are listed. The day function needs nothing else, so the registry stays in the database.
SELECT p.person_id,
       r.person_id IS NOT NULL AS known,
       r.present, r.juminhyo_code, r.name, r.name_kana, r.birth_date, r.sex, r.address,
       l.person_id IS NOT NULL AS listed
FROM (SELECT DISTINCT person_id FROM events) p
LEFT JOIN registry r ON r.person_id = p.person_id
LEFT JOIN listed l ON l.person_id = p.person_id
