-- Reconciles staging and the funnel mart: the Lost deals of all months add up to the distinct
-- (deal, month) pairs of lost reasons set in the deal log. Returns a row when they differ.
with deal_changes as (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
),

funnel as (
    select * from {{ ref('int_funnel_steps_counted_monthly') }}
),

loss_deal_months as (
    select distinct
        deal_id,
        {{ dbt.date_trunc('month', 'changed_at') }} as lost_month
    from deal_changes
    where
        changed_field_key = 'lost_reason'
        and lost_reason_id is not null
        and deal_id is not null
        and changed_at is not null
),

loss_events as (
    select count(*) as deal_months
    from loss_deal_months
),

reported as (
    select coalesce(sum(deals_count), 0) as deal_months
    from funnel
    where funnel_step = 'Lost'
)

select
    loss_events.deal_months as expected,
    reported.deal_months as reported
from loss_events
cross join reported
where loss_events.deal_months != reported.deal_months
