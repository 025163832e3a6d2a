-- SPEC §7.3, withdraw: a person's held records go to the outbound feed. Each held record is
-- released by the first withdraw of its person after it was held (released_at, that withdraw's
-- step); a record held after the person's last withdraw stays held.
SELECT DISTINCT ON (a.step, a.rank) a.*, w.step AS released_at
FROM held_all a
JOIN day w ON w.action = 'released' AND w.person_id = a.person_id AND w.step > a.step
ORDER BY a.step, a.rank, w.step
