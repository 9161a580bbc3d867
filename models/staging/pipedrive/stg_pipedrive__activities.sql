with source as (
    select * from {{ pipedrive_raw('activity') }}
),

final as (
    select
        _line_number as activity_row_id,
        activity_id,
        deal_id,
        assigned_to_user as assigned_user_id,
        type as activity_type,
        done as is_done,
        due_to as due_at
    from source
)

select * from final
