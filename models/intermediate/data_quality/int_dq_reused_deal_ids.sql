-- Deal ids with two or more creation events: two deals under one id, told apart by nobody.
with deals as (
    select * from {{ ref('int_deals_aggregated') }}
),

final as (
    select
        deal_id,
        null::integer as activity_id,
        'reused_deal_id' as issue_type,
        'deal_changes.csv' as source_file,
        'deal_id' as source_column,
        creation_events_count::text as source_value,
        deal_id::text as source_row_id
    from deals
    where has_reused_deal_id
)

select * from final
