-- activities dated in the period (date_from .. date_to), plus rows without an activity_date (MySQL/MariaDB).
select activity_id, nip, date_format(activity_date, '%Y-%m-%d') as activity_date, indicator_id,
       cast(quantity as char) as quantity, cast(minutes as char) as minutes, status, description
from activities
where activity_date between :date_from and :date_to
   or activity_date is null
