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

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

-- the funnel's activity steps, in funnel order, are the sales calls 1 and 2 (the seed's test
-- funnel_steps_has_two_sales_calls keeps them two)
sales_calls as (
    select
        funnel_step,
        row_number() over (order by step_order) as sales_call_number
    from funnel_steps
    where source = 'activity'
),

monthly as (
    select
        {{ format_month('activities.due_month') }} as month,
        activities.sales_rep_id,
        cast(count(distinct activities.deal_id) as {{ dbt.type_int() }}) as deals_worked,
        cast(count(*) as {{ dbt.type_int() }}) as activities_completed,
        cast(count(*) filter (where sales_calls.sales_call_number = 1) as {{ dbt.type_int() }})
            as sales_call_1_completed,
        cast(count(*) filter (where sales_calls.sales_call_number = 2) as {{ dbt.type_int() }})
            as sales_call_2_completed,
        cast(count(*) filter (where sales_calls.sales_call_number is null) as {{ dbt.type_int() }})
            as other_activities
    from activities
    left join sales_calls
        on activities.funnel_step = sales_calls.funnel_step
    where activities.sales_rep_id is not null
    group by activities.due_month, activities.sales_rep_id
)

select * from monthly
