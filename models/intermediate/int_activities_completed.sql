-- Done activities with a due time, with the funnel step they feed.
-- Incremental (macros/incremental_refresh.sql): a refresh deletes the rows a delta replaced (an
-- activity marked done or undone later, a rescheduled due time) and appends the new lines' done
-- activities; a full load, a changed input or --full-refresh rebuilds it. The rep's name is not
-- stored here (a renamed user would leave old rows stale): the mart joins it.
{{ config(**incremental_config(
    'activity_row_id',
    'replaced activity rows',
    line_columns=['activity_row_id'],
)) }}
{%- set scope = incremental_scope() %}

with activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
    where {{ incremental_window(scope, 'activity', 'activity_row_id') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

completed as (
    select *
    from activities
    where is_done and due_at is not null
),

final as (
    select
        completed.activity_row_id,
        completed.activity_id,
        completed.deal_id,
        completed.assigned_user_id as sales_rep_id,
        completed.activity_type,
        funnel_steps.funnel_step,
        {{ dbt.date_trunc('month', 'completed.due_at') }} as due_month,
        completed.due_at
    from completed
    left join funnel_steps
        on
            funnel_steps.source = 'activity'
            and completed.activity_type = funnel_steps.source_activity_type
)

select * from final
