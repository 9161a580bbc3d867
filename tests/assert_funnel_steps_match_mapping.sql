-- Every (funnel_step, kpi_name) pair of the funnel mart is a row of the mapping seed.
with funnel as (
    select * from {{ ref('int_funnel_steps_counted_monthly') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
)

select distinct
    funnel.funnel_step,
    funnel.kpi_name
from funnel
left join funnel_steps
    on
        funnel.funnel_step = funnel_steps.funnel_step
        and funnel.kpi_name = funnel_steps.kpi_name
where funnel_steps.funnel_step is null
