-- Activity ids shared by several rows of activity.csv (every row is still counted).
with activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
),

final as (
    select
        null::integer as deal_id,
        activity_id,
        'reused_activity_id' as issue_type,
        'activity.csv' as source_file,
        'activity_id' as source_column,
        count(*)::text as source_value,
        activity_id::text as source_row_id
    from activities
    where activity_id is not null
    group by activity_id
    having count(*) > 1
)

select * from final
