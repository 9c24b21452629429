-- assignments: the whole table, every column as text (MySQL/MariaDB).
select nip, unit_code, position, supervisor_nip,
       date_format(valid_from, '%Y-%m-%d') as valid_from, date_format(valid_to, '%Y-%m-%d') as valid_to
from assignments
