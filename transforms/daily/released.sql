-- SPEC §7.3, withdraw: a person's held records go to the outbound feed. Each held record is
-- released by the first withdraw of its person after it was held (released_at, that withdraw's
-- step); a record held after the person's last withdraw stays held.
SELECT *
FROM (
  SELECT a.*,
         (SELECT min(w.step) FROM day w WHERE w.action = 'released' AND w.person_id = a.person_id AND w.step > a.step) AS released_at
  FROM held_all a
  WHERE a.person_id IN (SELECT person_id FROM day WHERE action = 'released')
) r
WHERE r.released_at IS NOT NULL
