with source as (
    select * from {{ ref('activity') }}
),

renamed as (
    select
        activity_id,
        deal_id,
        assigned_to_user as assigned_user_id,
        type as activity_type,
        done as is_done,
        due_to as due_at
    from source
),

final as (
    select
        {{ dbt_utils.generate_surrogate_key(
            ['activity_id', 'deal_id', 'assigned_user_id', 'activity_type', 'is_done', 'due_at']
        ) }} as activity_row_id,
        activity_id,
        deal_id,
        assigned_user_id,
        activity_type,
        is_done,
        due_at
    from renamed
)

select * from final
