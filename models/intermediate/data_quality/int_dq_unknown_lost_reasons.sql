-- Losses whose lost reason id is not an option of the lost_reason field (still counted as Lost).
with losses as (
    select * from {{ ref('int_deal_losses') }}
),

final as (
    select
        deal_id,
        cast(null as {{ dbt.type_int() }}) as activity_id,
        'unknown_lost_reason' as issue_type,
        'deal_changes.csv' as source_file,
        'new_value' as source_column,
        cast(lost_reason_id as {{ dbt.type_string() }}) as source_value,
        cast(deal_change_id as {{ dbt.type_string() }}) as source_row_id
    from losses
    where not is_known_lost_reason
)

select * from final
