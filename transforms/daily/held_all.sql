-- Every record held at some moment of the day: the state's held records (step 0, in their seq
-- order), then the day's held changes and entries at the step of the event that held them.
-- (step, rank) is each record's place in the held order.
SELECT h.person_id, 0 AS step, h.seq AS rank,
       h.juminhyo_code, h.previous_juminhyo_code, h.event_code, h.event_date,
       h.name, h.name_kana, h.birth_date, h.sex, h.address
FROM held h
UNION ALL
SELECT d.person_id, d.step, d.part,
       d.juminhyo_code, d.previous_juminhyo_code, d.event_code, d.event_date,
       d.name, d.name_kana, d.birth_date, d.sex, d.address
FROM day d
WHERE d.action IN ('held', 'entry')
