-- targets of the period's year (year), plus rows whose year is missing or not a year 1900-2100.
select nip, indicator_id, cast(year as text) as year, cast(quarter as text) as quarter,
       cast(target as text) as target, cast(weight as text) as weight
from targets
where year = :year
   or year is null
   or year not between 1900 and 2100
