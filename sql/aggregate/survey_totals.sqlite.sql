-- survey_totals (methodology.md §6), SQLite: per unit over the responses dated in the period and not
-- after the cut-off: responses, u1_sum … u9_sum. Used rows: source rows of the window minus
-- quarantined contents (k_q_survey_responses) plus one copy of identical duplicates
-- (k_dup_survey_responses). Parameters: date_from, date_to (the extraction window), last_day
-- (min(period end, cut-off)).
with sr as (
    select s.unit_code, s.response_date, s.u1, s.u2, s.u3, s.u4, s.u5, s.u6, s.u7, s.u8, s.u9
    from survey_responses s
    where s.response_date between :date_from and :date_to
      and not exists (
          select 1 from k_q_survey_responses q
          where q.k = coalesce(cast(s.response_id as text), '')
            and q.response_id is cast(s.response_id as text)
            and q.unit_code is s.unit_code
            and q.service is s.service
            and q.response_date is cast(s.response_date as text)
            and q.u1 is cast(s.u1 as text)
            and q.u2 is cast(s.u2 as text)
            and q.u3 is cast(s.u3 as text)
            and q.u4 is cast(s.u4 as text)
            and q.u5 is cast(s.u5 as text)
            and q.u6 is cast(s.u6 as text)
            and q.u7 is cast(s.u7 as text)
            and q.u8 is cast(s.u8 as text)
            and q.u9 is cast(s.u9 as text))
    union all
    select d.unit_code, d.response_date, d.u1, d.u2, d.u3, d.u4, d.u5, d.u6, d.u7, d.u8, d.u9 from k_dup_survey_responses d
)
select r.unit_code, count(*) as responses,
       coalesce(sum(cast(r.u1 as double precision)), 0) as u1_sum,
       coalesce(sum(cast(r.u2 as double precision)), 0) as u2_sum,
       coalesce(sum(cast(r.u3 as double precision)), 0) as u3_sum,
       coalesce(sum(cast(r.u4 as double precision)), 0) as u4_sum,
       coalesce(sum(cast(r.u5 as double precision)), 0) as u5_sum,
       coalesce(sum(cast(r.u6 as double precision)), 0) as u6_sum,
       coalesce(sum(cast(r.u7 as double precision)), 0) as u7_sum,
       coalesce(sum(cast(r.u8 as double precision)), 0) as u8_sum,
       coalesce(sum(cast(r.u9 as double precision)), 0) as u9_sum
from sr r
where r.response_date between :date_from and :last_day and r.unit_code is not null
group by r.unit_code
