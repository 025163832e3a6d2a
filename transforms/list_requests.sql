-- Each row of the non-notification list, marked kept when it is the person's earliest request
-- (ties: the first in the file). Every other row of that person is a duplicate_request.
SELECT person_id, requested_on, line,
       row_number() OVER (PARTITION BY person_id ORDER BY requested_on, line) = 1 AS kept
FROM non_notification
