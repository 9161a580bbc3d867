-- Where each cohort's deals stop: for each cohort month and stage step, the deals of the cohort
-- whose furthest step it is (they reached it and not the next one), as a count and as a share of
-- the cohort, read from rep_sales_funnel_conversion_monthly. The largest share is where the
-- funnel loses the most deals.
with conversion as (
    select * from {{ ref('rep_sales_funnel_conversion_monthly') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

stage_steps as (
    select
        conversion.cohort_month,
        conversion.funnel_step,
        conversion.kpi_name,
        funnel_steps.step_order,
        conversion.cohort_deals_count,
        conversion.deals_count
    from conversion
    inner join funnel_steps
        on conversion.funnel_step = funnel_steps.funnel_step
    where funnel_steps.source = 'stage'
),

with_next as (
    select
        *,
        coalesce(
            lead(deals_count) over (partition by cohort_month order by step_order), 0
        ) as next_step_deals_count
    from stage_steps
),

final as (
    select
        cohort_month,
        funnel_step,
        kpi_name,
        deals_count - next_step_deals_count as deals_stopped,
        round((deals_count - next_step_deals_count) / cast(cohort_deals_count as numeric), 4)
            as share_of_cohort
    from with_next
)

select * from final
order by cohort_month, funnel_step
