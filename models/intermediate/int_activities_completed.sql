-- Done activities with a due time, with the rep's masked name and the funnel step they feed.
with activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
),

users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

completed as (
    select *
    from activities
    where is_done and due_at is not null
),

final as (
    select
        completed.activity_row_id,
        completed.activity_id,
        completed.deal_id,
        completed.assigned_user_id as sales_rep_id,
        completed.activity_type,
        funnel_steps.funnel_step,
        case
            when users.user_id is null then '(unknown user)'
            else coalesce(users.user_name_masked, '(no name)')
        end as sales_rep_name,
        date_trunc('month', completed.due_at) as due_month,
        completed.due_at
    from completed
    left join users
        on completed.assigned_user_id = users.user_id
    left join funnel_steps
        on
            funnel_steps.source = 'activity'
            and completed.activity_type = funnel_steps.source_activity_type
)

select * from final
