-- attendance_daily (methodology.md §2), SQLite: one row per active working day of each employee.
-- Inputs: k_emp (active ranges), k_workday (working days up to the cut-off with their schedule),
-- k_status / k_band (the policy), k_unknown (unknown days), the used attendance rows: source rows of
-- the window minus quarantined contents (k_q_attendance) plus one copy of identical duplicates
-- (k_dup_attendance). Times are seconds since midnight parsed from 'H:MM', 'HH:MM' or 'HH:MM:SS'.
-- Minutes: (seconds + 59) / 60 in integer arithmetic (division truncates toward zero): ceil(seconds / 60)
-- when seconds > 0, and <= 0 otherwise, which is never above grace_minutes (>= 0), so never counted.
-- Parameters: date_from, date_to (ISO text), grace (minutes, rounded), missing_band, missing_class,
-- unknown_class, other_class (day_class codes of kinerja.methodology.attendance.DAY_CLASSES).
with day_rows as (
    select e.ord, w.day, w.start_sec, w.end_sec,
           coalesce(a.status, d.status) as status,
           coalesce(cast(a.check_in as text), d.check_in) as cin,
           coalesce(cast(a.check_out as text), d.check_out) as cout,
           u.day is not null as is_unknown
    from k_workday w
    cross join k_emp e  -- day-major, employees in nip order: attendance index probes in index order
    left join attendance a
           on a.work_date = w.work_date and a.nip = e.nip
          and a.work_date between :date_from and :date_to
          and not exists (
              select 1 from k_q_attendance q
              where q.k = coalesce(cast(a.nip as text), '') || '|' || coalesce(cast(a.work_date as text), '')
                and q.nip is cast(a.nip as text) and q.work_date is cast(a.work_date as text)
                and q.check_in is cast(a.check_in as text) and q.check_out is cast(a.check_out as text)
                and q.status is a.status)
    left join k_dup_attendance d on d.nip = e.nip and d.work_date = w.work_date
    left join k_unknown u on u.nip = e.nip and u.day = w.day
    where w.day between e.af and e.at
),
typed as (
    select r.ord, r.day, r.status, r.start_sec, r.end_sec, r.is_unknown,
           s.day_class, coalesce(s.timed, 0) as timed,
           cast(substr(r.cin, 1, instr(r.cin, ':') - 1) as integer) * 3600
             + cast(substr(r.cin, instr(r.cin, ':') + 1, 2) as integer) * 60
             + coalesce(cast(nullif(substr(r.cin, instr(r.cin, ':') + 4, 2), '') as integer), 0) as ci,
           cast(substr(r.cout, 1, instr(r.cout, ':') - 1) as integer) * 3600
             + cast(substr(r.cout, instr(r.cout, ':') + 1, 2) as integer) * 60
             + coalesce(cast(nullif(substr(r.cout, instr(r.cout, ':') + 4, 2), '') as integer), 0) as co
    from day_rows r
    left join k_status s on s.status = r.status
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
