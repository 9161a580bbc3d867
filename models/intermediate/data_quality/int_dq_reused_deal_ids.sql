-- Deal ids with two or more creation events: two deals under one id, told apart by nobody.
with deals as (
    select * from {{ ref('int_deals_aggregated') }}
),

final as (
    select
        deal_id,
        cast(null as {{ dbt.type_int() }}) as activity_id,
        'reused_deal_id' as issue_type,
        'deal_changes.csv' as source_file,
        'deal_id' as source_column,
        cast(creation_events_count as {{ dbt.type_string() }}) as source_value,
        cast(deal_id as {{ dbt.type_string() }}) as source_row_id
    from deals
    where has_reused_deal_id
)

select * from final
