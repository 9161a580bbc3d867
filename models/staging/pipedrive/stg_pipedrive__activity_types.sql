with source as (
    select * from {{ pipedrive_raw('activity_types') }}
),

final as (
    select
        id as activity_type_id,
        type as activity_type,
        name as activity_type_name,
        active = 'Yes' as is_active
    from source
)

select * from final
