-- The day's feed (SPEC §7.4), in processing order: changes sent and deletions at their event;
-- the records a withdraw released at that withdraw, in their held order. seq 1…n.
SELECT row_number() OVER (ORDER BY o.step, o.part, o.held_step, o.held_rank) AS seq,
       o.juminhyo_code, o.previous_juminhyo_code, o.event_code, o.event_date,
       o.name, o.name_kana, o.birth_date, o.sex, o.address
FROM (
  SELECT d.step, d.part, 0 AS held_step, 0 AS held_rank,
         d.juminhyo_code, d.previous_juminhyo_code, d.event_code, d.event_date,
         d.name, d.name_kana, d.birth_date, d.sex, d.address
  FROM day d
  WHERE d.action IN ('sent', 'deletion')
  UNION ALL
  SELECT r.released_at, 0, r.step, r.rank,
         r.juminhyo_code, r.previous_juminhyo_code, r.event_code, r.event_date,
         r.name, r.name_kana, r.birth_date, r.sex, r.address
  FROM released r
) o
