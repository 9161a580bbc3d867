-- Publishes int_rep_activities_counted_monthly with each rep's name. dbt build runs that model's
-- tests before this one, so a failing test skips this model and the previous table stays in place
-- for the BI tool.
with audited as (
    select * from {{ ref('int_rep_activities_counted_monthly') }}
),

users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

final as (
    select
        audited.month,
        audited.sales_rep_id,
        -- the rep's name, masked; a user missing from users.csv or without a name keeps a
        -- placeholder (docs block sales_rep_name)
        case
            when users.user_id is null then '(unknown user)'
            else coalesce(users.user_name_masked, '(no name)')
        end as sales_rep_name,
        audited.deals_worked,
        audited.activities_completed,
        audited.sales_call_1_completed,
        audited.sales_call_2_completed,
        audited.other_activities,
        -- the month as a date, the key that joins the other marts' months in a BI tool
        cast(audited.month || '-01' as date) as month_start
    from audited
    left join users
        on audited.sales_rep_id = users.user_id
)

select * from final
