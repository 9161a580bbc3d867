with source as (
    select * from {{ pipedrive_raw('stages') }}
),

final as (
    select
        stage_id,
        stage_name
    from source
)

select * from final
