-- activities dated in the period (date_from .. date_to), plus rows whose activity_date is not a real date.
-- Every column is cast to text here, so that sqlite3 and the Arrow reader (kinerja.extract) read the same.
select cast(activity_id as text) as activity_id, cast(nip as text) as nip,
       cast(activity_date as text) as activity_date, cast(indicator_id as text) as indicator_id,
       cast(quantity as text) as quantity, cast(minutes as text) as minutes,
       cast(status as text) as status, cast(description as text) as description
from activities
where activity_date between :date_from and :date_to
   or activity_date is null
   or date(activity_date, '+0 days') is not activity_date
