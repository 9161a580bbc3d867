-- The cohort funnel only narrows: in every cohort, no stage step holds more deals than the stage
-- step before it (in the order of the funnel_steps seed). Returns each step that widens it.
with cohorts as (
    select * from {{ ref('int_funnel_cohorts_converted') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

stage_steps as (
    select
        cohorts.cohort_month,
        cohorts.funnel_step,
        cohorts.deals_count,
        lag(cohorts.deals_count) over (
            partition by cohorts.cohort_month order by funnel_steps.step_order
        ) as previous_step_deals_count
    from cohorts
    inner join funnel_steps
        on cohorts.funnel_step = funnel_steps.funnel_step
    where funnel_steps.source = 'stage'
)

select * from stage_steps
where deals_count > previous_step_deals_count
