-- Stage changes to a stage id that is neither in stages.csv nor in the funnel mapping.
with transitions as (
    select * from {{ ref('int_deal_stage_transitions') }}
),

final as (
    select
        deal_id,
        cast(null as {{ dbt.type_int() }}) as activity_id,
        'unknown_stage_id' as issue_type,
        'deal_changes.csv' as source_file,
        'new_value' as source_column,
        cast(stage_id as {{ dbt.type_string() }}) as source_value,
        cast(deal_change_id as {{ dbt.type_string() }}) as source_row_id
    from transitions
    where not is_known_stage
)

select * from final
