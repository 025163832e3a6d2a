-- Seed step 7: the held records, in the held file's order, renumbered 1…n. Text columns keep
-- every value exactly as the setup run wrote it.
SELECT row_number() OVER (ORDER BY h.seq) AS seq,
       h.juminhyo_code, h.previous_juminhyo_code, h.event_code, h.event_date,
       h.name, h.name_kana, h.birth_date, h.sex, h.address
FROM held h
