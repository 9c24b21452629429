-- holidays: the whole table, every column as text.
select to_char(holiday_date, 'YYYY-MM-DD') as holiday_date, name, kind
from holidays
