with activities as (
    select * from {{ ref('int_activities_completed') }}
),

monthly as (
    select
        to_char(due_month, 'YYYY-MM') as month,
        sales_rep_id,
        sales_rep_name,
        count(distinct deal_id)::integer as deals_worked,
        count(*)::integer as activities_completed,
        (count(*) filter (where funnel_step = '2.1'))::integer as sales_call_1_completed,
        (count(*) filter (where funnel_step = '3.1'))::integer as sales_call_2_completed,
        (count(*) filter (
            where funnel_step is null or funnel_step not in ('2.1', '3.1')
        ))::integer as other_activities
    from activities
    where sales_rep_id is not null
    group by due_month, sales_rep_id, sales_rep_name
)

select * from monthly
