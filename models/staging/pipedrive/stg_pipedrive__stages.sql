with source as (
    select * from {{ ref('stages') }}
),

final as (
    select
        stage_id,
        stage_name
    from source
)

select * from final
