-- activity_totals (methodology.md §3), SQLite: approved activities per (nip, indicator_id, quarter) of
-- the quarters with a target (k_target), dated between active_from and min(active_to, cut-off).
-- Used rows: source rows of the window minus quarantined contents (k_q_activities) plus one copy of
-- identical duplicates (k_dup_activities). Parameters: date_from, date_to (ISO text), approved,
-- cutoff_day (day number). Day numbers: julianday - 2440587.5 (days since 1970-01-01).
with act as (
    select a.nip, a.activity_date, a.indicator_id, a.quantity, a.status
    from activities a
    where a.activity_date between :date_from and :date_to
      and not exists (
          select 1 from k_q_activities q
          where q.k = coalesce(cast(a.activity_id as text), '')
            and q.activity_id is cast(a.activity_id as text) and q.nip is cast(a.nip as text)
            and q.activity_date is cast(a.activity_date as text)
            and q.indicator_id is cast(a.indicator_id as text) and q.quantity is cast(a.quantity as text)
            and q.minutes is cast(a.minutes as text) and q.status is a.status
            and q.description is a.description)
    union all
    select d.nip, d.activity_date, d.indicator_id, d.quantity, d.status from k_dup_activities d
),
dated as (
    select act.nip, act.indicator_id, cast(act.quantity as real) as quantity,
           (cast(substr(act.activity_date, 6, 2) as integer) + 2) / 3 as quarter,
           cast(julianday(act.activity_date) - 2440587.5 as integer) as day
    from act
    where act.status = :approved and act.quantity is not null
      and act.activity_date between :date_from and :date_to
)
select x.nip, x.indicator_id, x.quarter, sum(x.quantity) as quantity_sum, count(*) as quantity_count
from dated x
join k_emp e on e.nip = x.nip
join k_target t on t.nip = x.nip and t.indicator_id = x.indicator_id and t.quarter = x.quarter
where x.day >= e.af and x.day <= min(e.at, :cutoff_day)
group by x.nip, x.indicator_id, x.quarter
