-- Step-to-step conversion by month: for each month and funnel step, the deals that entered the
-- step, the deals that entered the previous step (in funnel order) in the same month, and the
-- ratio. A cohort-free, same-month view: it shows where the funnel narrows month by month.
with funnel as (
    select * from {{ ref('rep_sales_funnel_monthly') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

ordered as (
    select
        funnel.month,
        funnel.funnel_step,
        funnel.kpi_name,
        funnel_steps.step_order,
        funnel.deals_count
    from funnel
    inner join funnel_steps
        on funnel.funnel_step = funnel_steps.funnel_step
    where funnel_steps.source != 'loss'
),

with_previous as (
    select
        month,
        funnel_step,
        kpi_name,
        step_order,
        deals_count,
        lag(deals_count) over (partition by month order by step_order) as previous_step_deals
    from ordered
),

final as (
    select
        month,
        funnel_step,
        kpi_name,
        deals_count,
        previous_step_deals,
        round(deals_count::numeric / nullif(previous_step_deals, 0), 3) as conversion_rate
    from with_previous
)

select * from final
order by month, funnel_step
