-- One row per stage change in the deal log: the deal entered `stage_id` at `transitioned_at`.
-- Incremental (macros/incremental_refresh.sql): a refresh appends the stage changes of the deal
-- log's new lines; a full load, a changed input or --full-refresh rebuilds it.
{{ config(**incremental_config(line_columns=['deal_change_id'])) }}
{%- set scope = incremental_scope() %}

with deal_changes as (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
    where {{ incremental_window(scope, 'deal_changes', 'deal_change_id') }}
),

stages as (
    select * from {{ ref('stg_pipedrive__stages') }}
),

stage_changes as (
    select
        deal_change_id,
        deal_id,
        stage_id,
        changed_at as transitioned_at
    from deal_changes
    where
        changed_field_key = 'stage_id'
        and stage_id is not null
        and deal_id is not null
        and changed_at is not null
),

final as (
    select
        stage_changes.deal_change_id,
        stage_changes.deal_id,
        stage_changes.stage_id,
        stages.stage_id is not null as is_known_stage,
        stage_changes.transitioned_at
    from stage_changes
    left join stages
        on stage_changes.stage_id = stages.stage_id
)

select * from final
