-- Rep leaderboard: reps ranked by completed activities over the whole history, with their sales
-- calls, the deals they worked (summed over months) and how many months they were active.
with performance as (
    select * from {{ ref('rep_sales_rep_performance_monthly') }}
),

totals as (
    select
        sales_rep_id,
        sales_rep_name,
        sum(activities_completed) as activities_completed,
        sum(sales_call_1_completed) as sales_call_1_completed,
        sum(sales_call_2_completed) as sales_call_2_completed,
        sum(other_activities) as other_activities,
        sum(deals_worked) as deal_months_worked,
        count(*) as active_months
    from performance
    group by sales_rep_id, sales_rep_name
),

final as (
    select
        rank() over (order by activities_completed desc) as leaderboard_rank,
        sales_rep_id,
        sales_rep_name,
        activities_completed,
        sales_call_1_completed,
        sales_call_2_completed,
        other_activities,
        deal_months_worked,
        active_months
    from totals
)

select * from final
order by leaderboard_rank, sales_rep_id
