-- targets of the period's year (year), plus rows whose year is not an integer year 1900-2100.
select cast(nip as text) as nip, cast(indicator_id as text) as indicator_id,
       cast(year as text) as year, cast(quarter as text) as quarter,
       cast(target as text) as target, cast(weight as text) as weight
from targets
where year = :year
   or year is null
   or typeof(year) <> 'integer'
   or year not between 1900 and 2100
