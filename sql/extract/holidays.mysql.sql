-- holidays: the whole table, every column as text (MySQL/MariaDB).
select date_format(holiday_date, '%Y-%m-%d') as holiday_date, name, kind
from holidays
