-- attendance of the window (1 January of the period's year .. the period end),
-- plus rows without a work_date (MySQL/MariaDB; strict mode stores nothing else that is not a date).
select nip, date_format(work_date, '%Y-%m-%d') as work_date,
       time_format(check_in, '%H:%i:%s') as check_in, time_format(check_out, '%H:%i:%s') as check_out, status
from attendance
where work_date between :date_from and :date_to
   or work_date is null
