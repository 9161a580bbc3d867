with entries as (
    select * from {{ ref('int_funnel_steps_entered') }}
),

monthly as (
    select
        entered_month as month,
        kpi_name,
        funnel_step,
        count(distinct deal_id)::integer as deals_count
    from entries
    group by entered_month, kpi_name, funnel_step
)

select * from monthly
