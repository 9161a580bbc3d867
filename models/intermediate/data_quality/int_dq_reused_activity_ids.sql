-- Activity ids shared by several rows of activity.csv (every row is still counted).
with activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
),

final as (
    select
        cast(null as {{ dbt.type_int() }}) as deal_id,
        activity_id,
        'reused_activity_id' as issue_type,
        'activity.csv' as source_file,
        'activity_id' as source_column,
        cast(count(*) as {{ dbt.type_string() }}) as source_value,
        cast(activity_id as {{ dbt.type_string() }}) as source_row_id
    from activities
    where activity_id is not null
    group by activity_id
    having count(*) > 1
)

select * from final
