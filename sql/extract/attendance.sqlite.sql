-- attendance of the window (date_from = 1 January of the period's year .. date_to = period end),
-- plus every row whose work_date is not a real date (NULL, 'abc', '2026-02-30', 20260105), so that
-- validation quarantines it. date(x, '+0 days') normalises impossible days, so it differs from x.
-- Every column is cast to text here, so that sqlite3 and the Arrow reader (kinerja.extract) read the same.
select cast(nip as text) as nip, cast(work_date as text) as work_date,
       cast(check_in as text) as check_in, cast(check_out as text) as check_out,
       cast(status as text) as status
from attendance
where work_date between :date_from and :date_to
   or work_date is null
   or date(work_date, '+0 days') is not work_date
