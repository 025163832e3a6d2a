-- Seed step 6: the changes the routing sends on to the prefecture server, in processing order.
SELECT row_number() OVER (ORDER BY o.processed_at, o.seq) AS seq,
       o.juminhyo_code, o.previous_juminhyo_code, o.event_code, o.event_date,
       o.name, o.name_kana, o.birth_date, o.sex, o.address
FROM outbound_changes o
