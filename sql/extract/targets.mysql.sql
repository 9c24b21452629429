-- targets of the period's year, plus rows whose year is missing or not a year 1900-2100 (MySQL/MariaDB).
select nip, indicator_id, cast(year as char) as year, cast(quarter as char) as quarter,
       cast(target as char) as target, cast(weight as char) as weight
from targets
where year = :year
   or year is null
   or year not between 1900 and 2100
