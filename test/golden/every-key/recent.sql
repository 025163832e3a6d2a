-- Rows recorded at or after as_of (a bound parameter).
SELECT code, name, qty, "at"
FROM items
WHERE "at" >= :as_of::timestamp;
