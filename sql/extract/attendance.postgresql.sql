-- attendance of the window (date_from = 1 January of the period's year .. date_to = period end),
-- plus rows without a work_date (a typed DATE column holds nothing else that is not a date).
select nip, to_char(work_date, 'YYYY-MM-DD') as work_date,
       to_char(check_in, 'HH24:MI:SS') as check_in, to_char(check_out, 'HH24:MI:SS') as check_out, status
from attendance
where work_date between :date_from and :date_to
   or work_date is null
