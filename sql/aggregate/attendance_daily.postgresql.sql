-- attendance_daily (methodology.md §2), PostgreSQL: one row per active working day of each employee.
-- Inputs: k_emp (active ranges), k_workday (working days up to the cut-off with their schedule),
-- k_status / k_band (the policy), k_unknown (unknown days), the used attendance rows: source rows of
-- the window minus quarantined contents (k_q_attendance, compared as extract/attendance reads them)
-- plus one copy of identical duplicates (k_dup_attendance). Times are whole seconds since midnight
-- (the extract reads HH24:MI:SS). Minutes: (seconds + 59) / 60 in integer arithmetic (division
-- truncates toward zero): ceil(seconds / 60) when seconds > 0, and <= 0 otherwise, which is never
-- above grace_minutes (>= 0), so never counted. Parameters: date_from, date_to, grace (minutes, rounded), missing_band,
-- missing_class, unknown_class, other_class (day_class codes of DAY_CLASSES).
with att as (
    select a.nip, a.work_date, a.status, a.check_in, a.check_out
    from attendance a
    where a.work_date between :date_from and :date_to
      and not exists (
          select 1 from k_q_attendance q
          where q.k = coalesce(a.nip, '') || '|' || coalesce(to_char(a.work_date, 'YYYY-MM-DD'), '')
            and q.nip is not distinct from a.nip
            and q.work_date is not distinct from to_char(a.work_date, 'YYYY-MM-DD')
            and q.check_in is not distinct from to_char(a.check_in, 'HH24:MI:SS')
            and q.check_out is not distinct from to_char(a.check_out, 'HH24:MI:SS')
            and q.status is not distinct from a.status)
    union all
    select d.nip, d.work_date, d.status, d.check_in, d.check_out from k_dup_attendance d
),
typed as (
    select e.ord, w.day, w.start_sec, w.end_sec, a.status, u.day is not null as is_unknown,
           s.day_class, coalesce(s.timed, 0) as timed,
           cast(extract(hour from a.check_in) * 3600 + extract(minute from a.check_in) * 60
                + floor(extract(second from a.check_in)) as integer) as ci,
           cast(extract(hour from a.check_out) * 3600 + extract(minute from a.check_out) * 60
                + floor(extract(second from a.check_out)) as integer) as co
    from k_emp e
    join k_workday w on w.day between e.af and e.at
    left join att a on a.nip = e.nip and a.work_date = w.work_date
    left join k_unknown u on u.nip = e.nip and u.day = w.day
    left join k_status s on s.status = a.status
),
minutes as (
    select t.*,
           case when t.timed = 1 then (t.ci - t.start_sec + 59) / 60 end as late,
           case when t.timed = 1 then (t.end_sec - t.co + 59) / 60 end as early
    from typed t
)
select m.ord, m.day, m.status,
       case when m.status is not null then coalesce(m.day_class, :other_class)
            when m.is_unknown then :unknown_class
            else :missing_class end as day_class,
       case when m.late > :grace then m.late else 0 end as late_minutes,
       case when m.early > :grace then m.early else 0 end as early_minutes,
       case when m.timed = 0 then 0
            when m.ci is null then :missing_band
            when m.late > :grace then 1 + (select count(*) from k_band b where b.hi < m.late)
            else 0 end as tl_band,
       case when m.timed = 0 then 0
            when m.co is null then :missing_band
            when m.early > :grace then 1 + (select count(*) from k_band b where b.hi < m.early)
            else 0 end as psw_band
from minutes m
