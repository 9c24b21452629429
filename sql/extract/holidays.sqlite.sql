-- holidays: the whole table, every column as text.
select cast(holiday_date as text) as holiday_date, name, kind
from holidays
