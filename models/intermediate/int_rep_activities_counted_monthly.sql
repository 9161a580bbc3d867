-- Activity and workload per rep id per month (the mart adds the rep's name).
-- Incremental (macros/incremental_refresh.sql): a refresh deletes the months the new and replaced
-- activity rows fall in and counts those months again from every done activity they hold; a full
-- load, a changed input or --full-refresh rebuilds it.
{{ config(**incremental_config("to_date(month, 'YYYY-MM')", 'touched activity months')) }}
{%- set scope = incremental_scope() %}

with activities as (
    select * from {{ ref('int_activities_completed') }}
    {%- if not scope.full %}
    where due_month in ({{ touched_months(scope, deal_changes=false) }})
    {%- endif %}
),

monthly as (
    select
        to_char(due_month, 'YYYY-MM') as month,
        sales_rep_id,
        count(distinct deal_id)::integer as deals_worked,
        count(*)::integer as activities_completed,
        (count(*) filter (where funnel_step = '2.1'))::integer as sales_call_1_completed,
        (count(*) filter (where funnel_step = '3.1'))::integer as sales_call_2_completed,
        (count(*) filter (
            where funnel_step is null or funnel_step not in ('2.1', '3.1')
        ))::integer as other_activities
    from activities
    where sales_rep_id is not null
    group by due_month, sales_rep_id
)

select * from monthly
