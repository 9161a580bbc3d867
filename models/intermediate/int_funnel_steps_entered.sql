-- The funnel definition (docs block funnel_definition) is applied here, once: every event that
-- makes a deal enter a funnel step, mapped to its step through the funnel_steps seed.
-- Incremental (macros/incremental_refresh.sql): a refresh deletes the entries of activity rows a
-- delta replaced and appends the entries of the new lines; a full load, a changed input or
-- --full-refresh rebuilds it.
{{ config(**incremental_config(
    'activity_row_id',
    'replaced activity rows',
    line_columns=['deal_change_id', 'activity_row_id'],
)) }}
{%- set scope = incremental_scope() %}
with funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

transitions as (
    select * from {{ ref('int_deal_stage_transitions') }}
    where {{ incremental_window(scope, 'deal_changes', 'deal_change_id') }}
),

activities as (
    select * from {{ ref('int_activities_completed') }}
    where {{ incremental_window(scope, 'activity', 'activity_row_id') }}
),

losses as (
    select * from {{ ref('int_deal_losses') }}
    where {{ incremental_window(scope, 'deal_changes', 'deal_change_id') }}
),

stage_entries as (
    select
        transitions.deal_change_id,
        cast(null as {{ dbt.type_int() }}) as activity_row_id,
        transitions.deal_id,
        funnel_steps.funnel_step,
        transitions.transitioned_at as entered_at
    from transitions
    inner join funnel_steps
        on
            funnel_steps.source = 'stage'
            and transitions.stage_id = funnel_steps.source_stage_id
),

activity_entries as (
    select
        cast(null as {{ dbt.type_int() }}) as deal_change_id,
        activities.activity_row_id,
        activities.deal_id,
        activities.funnel_step,
        activities.due_at as entered_at
    from activities
    where activities.funnel_step is not null and activities.deal_id is not null
),

loss_entries as (
    select
        losses.deal_change_id,
        cast(null as {{ dbt.type_int() }}) as activity_row_id,
        losses.deal_id,
        funnel_steps.funnel_step,
        losses.lost_at as entered_at
    from losses
    inner join funnel_steps
        on funnel_steps.source = 'loss'
),

entries as (
    select * from stage_entries
    union all
    select * from activity_entries
    union all
    select * from loss_entries
),

final as (
    select
        deal_change_id,
        activity_row_id,
        deal_id,
        funnel_step,
        {{ dbt.date_trunc('month', 'entered_at') }} as entered_month,
        entered_at
    from entries
)

select * from final
