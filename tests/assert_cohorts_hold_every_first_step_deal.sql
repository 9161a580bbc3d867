-- Reconciles staging and the cohort conversion: the cohorts' sizes add up to the distinct deal
-- ids with a change to the first stage step's stage in the staged deal log, each deal in one
-- cohort. Returns a row when they differ.
with deal_changes as (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

cohorts as (
    select * from {{ ref('int_funnel_cohorts_converted') }}
),

first_step as (
    select
        funnel_step,
        source_stage_id
    from funnel_steps
    where source = 'stage'
    order by step_order
    limit 1
),

first_step_deals as (
    select count(distinct deal_changes.deal_id) as deals
    from deal_changes
    inner join first_step
        on deal_changes.stage_id = first_step.source_stage_id
    where
        deal_changes.changed_field_key = 'stage_id'
        and deal_changes.deal_id is not null
        and deal_changes.changed_at is not null
),

reported as (
    select coalesce(sum(cohorts.cohort_deals_count), 0) as deals
    from cohorts
    inner join first_step
        on cohorts.funnel_step = first_step.funnel_step
)

select
    first_step_deals.deals as expected,
    reported.deals as reported
from first_step_deals
cross join reported
where first_step_deals.deals != reported.deals
