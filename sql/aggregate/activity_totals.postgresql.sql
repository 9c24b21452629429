-- activity_totals (methodology.md §3), PostgreSQL: approved activities per (nip, indicator_id, quarter)
-- of the quarters with a target (k_target), dated between active_from and min(active_to, cut-off).
-- Used rows: source rows of the window minus quarantined contents (k_q_activities, compared as
-- extract/activities reads them) plus one copy of identical duplicates (k_dup_activities).
-- Parameters: date_from, date_to, approved, cutoff_day (day number since 1970-01-01).
with act as (
    select a.nip, a.activity_date, a.indicator_id, a.quantity, a.status
    from activities a
    where a.activity_date between :date_from and :date_to
      and not exists (
          select 1 from k_q_activities q
          where q.k = coalesce(a.activity_id, '')
            and q.activity_id is not distinct from a.activity_id and q.nip is not distinct from a.nip
            and q.activity_date is not distinct from to_char(a.activity_date, 'YYYY-MM-DD')
            and q.indicator_id is not distinct from a.indicator_id
            and q.quantity is not distinct from cast(a.quantity as text)
            and q.minutes is not distinct from cast(a.minutes as text)
            and q.status is not distinct from a.status and q.description is not distinct from a.description)
    union all
    select d.nip, d.activity_date, d.indicator_id, d.quantity, d.status from k_dup_activities d
),
dated as (
    select act.nip, act.indicator_id, act.quantity,
           cast(extract(quarter from act.activity_date) as integer) as quarter,
           act.activity_date - date '1970-01-01' as day
    from act
    where act.status = :approved and act.quantity is not null
      and act.activity_date between :date_from and :date_to
)
select x.nip, x.indicator_id, x.quarter, sum(x.quantity) as quantity_sum, count(*) as quantity_count
from dated x
join k_emp e on e.nip = x.nip
join k_target t on t.nip = x.nip and t.indicator_id = x.indicator_id and t.quarter = x.quarter
where x.day >= e.af and x.day <= least(e.at, :cutoff_day)
group by x.nip, x.indicator_id, x.quarter
