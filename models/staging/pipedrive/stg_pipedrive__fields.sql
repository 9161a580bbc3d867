with source as (
    select * from {{ pipedrive_raw('fields') }}
),

final as (
    select
        id as field_id,
        field_key,
        name as field_name
    from source
)

select * from final
