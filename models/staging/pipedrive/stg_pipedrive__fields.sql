with source as (
    select * from {{ pipedrive_raw('fields') }}
),

final as (
    select
        id as field_id,
        field_key,
        name as field_name,
        nullif(trim(field_value_options), '')::jsonb as field_value_options
    from source
)

select * from final
