-- The time the export was taken, the reference of the check "a deal change after the export":
-- the var export_time when set, else midnight after the latest time the export records outside
-- the deal log (a user's modified time, an activity's due time, done or planned). One row. Never
-- the build's clock: the same export gives the same data-quality list on any day.
with users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
),

latest as (
    select max(modified_at) as latest_at from users
    union all
    select max(due_at) as latest_at from activities
),

final as (
    select
    {%- if var('export_time', none) is not none %}
        cast({{ dbt.string_literal(var('export_time') | string) }} as {{ dbt.type_timestamp() }})
            as export_time,
        true as is_set_by_var
        {%- else %}
            {{ dbt.dateadd('day', 1, dbt.date_trunc('day', 'max(latest_at)')) }} as export_time,
            false as is_set_by_var
        from latest
    {%- endif %}
)

select * from final
