-- units: the whole table, every column as text.
select unit_code, name, parent_code, kind
from units
