-- The registry after the day (SPEC §7.1): everyone the day did not change as the state had them,
-- and each person the day changed as their last change left them.
SELECT r.person_id, r.present, r.juminhyo_code, r.name, r.name_kana, r.birth_date, r.sex, r.address
FROM registry r
WHERE NOT EXISTS (SELECT 1 FROM day d WHERE d.action = 'registered' AND d.person_id = r.person_id)
UNION ALL
(SELECT DISTINCT ON (d.person_id) d.person_id, d.present, d.juminhyo_code, d.name, d.name_kana, d.birth_date, d.sex, d.address
 FROM day d
 WHERE d.action = 'registered'
 ORDER BY d.person_id, d.step DESC)
