-- The persons on the non-notification list when the setup is done (SPEC §7.1): every person with
-- a row on the list (also ids the registry never knew), listed since their earliest request.
SELECT person_id, min(requested_on)::timestamp AS since
FROM non_notification
GROUP BY person_id
