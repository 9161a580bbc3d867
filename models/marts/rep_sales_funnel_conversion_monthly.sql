-- Publishes int_funnel_cohorts_converted. dbt build runs that model's tests before this one,
-- so a failing test skips this model and the previous table stays in place for the BI tool.
with audited as (
    select * from {{ ref('int_funnel_cohorts_converted') }}
),

final as (
    select
        cohort_month,
        kpi_name,
        funnel_step,
        cohort_deals_count,
        deals_count,
        conversion_from_previous_step,
        conversion_from_step_1
    from audited
)

select * from final
