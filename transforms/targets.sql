-- Seed step 2, the semi-join: the persons of the snapshot who are on the list, once each,
-- with their snapshot values.
SELECT s.*
FROM snapshot s
WHERE s.person_id IN (SELECT person_id FROM non_notification)
