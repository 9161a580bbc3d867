-- One row per lost reason set in the deal log: the deal was lost at `lost_at`.
-- Incremental (macros/incremental_refresh.sql): a refresh appends the losses of the deal
-- log's new lines; a full load, a changed input or --full-refresh rebuilds it.
{{ config(**incremental_config(line_columns=['deal_change_id'])) }}
{%- set scope = incremental_scope() %}

with deal_changes as (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
    where {{ incremental_window(scope, 'deal_changes', 'deal_change_id') }}
),

field_options as (
    select * from {{ ref('stg_pipedrive__field_options') }}
),

lost_reasons as (
    select
        option_id as lost_reason_id,
        option_label as lost_reason
    from field_options
    where field_key = 'lost_reason'
),

losses as (
    select
        deal_change_id,
        deal_id,
        lost_reason_id,
        changed_at as lost_at
    from deal_changes
    where
        changed_field_key = 'lost_reason'
        and lost_reason_id is not null
        and deal_id is not null
        and changed_at is not null
),

final as (
    select
        losses.deal_change_id,
        losses.deal_id,
        losses.lost_reason_id,
        lost_reasons.lost_reason,
        lost_reasons.lost_reason_id is not null as is_known_lost_reason,
        losses.lost_at
    from losses
    left join lost_reasons
        on losses.lost_reason_id = lost_reasons.lost_reason_id
)

select * from final
