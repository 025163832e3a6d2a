-- The list after the day (SPEC §7.1): everyone the day's list events did not touch as the state
-- had them, and each person they touched as their last accepted request or withdrawal left them.
SELECT l.person_id, l.since
FROM listed l
WHERE NOT EXISTS (SELECT 1 FROM day d WHERE d.action IN ('listed', 'unlisted') AND d.person_id = l.person_id)
UNION ALL
SELECT last.person_id, last.since
FROM (SELECT DISTINCT ON (d.person_id) d.person_id, d.action, d.since
      FROM day d
      WHERE d.action IN ('listed', 'unlisted')
      ORDER BY d.person_id, d.step DESC) last
WHERE last.action = 'listed'
