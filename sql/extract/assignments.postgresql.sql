-- assignments: the whole table, every column as text.
select nip, unit_code, position, supervisor_nip,
       to_char(valid_from, 'YYYY-MM-DD') as valid_from, to_char(valid_to, 'YYYY-MM-DD') as valid_to
from assignments
