-- assignments: the whole table, every column as text.
select cast(nip as text) as nip, unit_code, position, cast(supervisor_nip as text) as supervisor_nip,
       cast(valid_from as text) as valid_from, cast(valid_to as text) as valid_to
from assignments
