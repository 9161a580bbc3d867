-- Stage changes to a stage id that is neither in stages.csv nor in the funnel mapping.
with transitions as (
    select * from {{ ref('int_deal_stage_transitions') }}
),

final as (
    select
        deal_id,
        null::integer as activity_id,
        'unknown_stage_id' as issue_type,
        'deal_changes.csv' as source_file,
        'new_value' as source_column,
        stage_id::text as source_value,
        deal_change_id::text as source_row_id
    from transitions
    where not is_known_stage
)

select * from final
