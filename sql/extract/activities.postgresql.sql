-- activities dated in the period (date_from .. date_to), plus rows without an activity_date.
select activity_id, nip, to_char(activity_date, 'YYYY-MM-DD') as activity_date, indicator_id,
       cast(quantity as text) as quantity, cast(minutes as text) as minutes, status, description
from activities
where activity_date between :date_from and :date_to
   or activity_date is null
