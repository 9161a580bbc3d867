-- The checks of activity.csv that read only the row itself (and the deal ids, activity types and
-- users it names), made in one scan: the rows with any issue, then one row per issue.
with activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
),

deals as (
    select * from {{ ref('int_deals_aggregated') }}
),

activity_types as (
    select * from {{ ref('stg_pipedrive__activity_types') }}
),

users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

checked as (
    select
        activities.activity_row_id,
        activities.activity_id,
        activities.deal_id,
        activities.assigned_user_id,
        activities.activity_type,
        deals.deal_id is not null as is_known_deal,
        activity_types.activity_type is not null as is_known_type,
        users.user_id is not null as is_known_user,
        activities.is_done,
        activities.due_at
    from activities
    left join deals
        on activities.deal_id = deals.deal_id
    left join activity_types
        on activities.activity_type = activity_types.activity_type
    left join users
        on activities.assigned_user_id = users.user_id
    where
        activities.deal_id is null
        or activities.assigned_user_id is null
        or activities.is_done is null
        or activities.due_at is null
        or deals.deal_id is null
        or activity_types.activity_type is null
        or users.user_id is null
),

final as (
    select
        checked.deal_id,
        checked.activity_id,
        issue.issue_type,
        'activity.csv' as source_file,
        issue.source_column,
        issue.source_value,
        cast(checked.activity_row_id as {{ dbt.type_string() }}) as source_row_id
    from checked
    -- one row per check, kept where it finds an issue (as in int_dq_deal_change_rows)
    cross join
        lateral (  -- noqa: ST05
            select
                'activity_missing_value' as issue_type,
                'deal_id' as source_column,
                cast(null as {{ dbt.type_string() }}) as source_value,
                checked.deal_id is null as is_issue
            union all
            select
                'activity_missing_value' as issue_type,
                'assigned_to_user' as source_column,
                null as source_value,
                checked.assigned_user_id is null as is_issue
            union all
            select
                'activity_missing_value' as issue_type,
                'done' as source_column,
                null as source_value,
                checked.is_done is null as is_issue
            union all
            select
                'activity_missing_value' as issue_type,
                'due_to' as source_column,
                null as source_value,
                checked.due_at is null as is_issue
            union all
            select
                'activity_unknown_deal' as issue_type,
                'deal_id' as source_column,
                cast(checked.deal_id as {{ dbt.type_string() }}) as source_value,
                checked.deal_id is not null and not checked.is_known_deal as is_issue
            union all
            select
                'activity_unknown_type' as issue_type,
                'type' as source_column,
                checked.activity_type as source_value,
                not checked.is_known_type as is_issue
            union all
            select
                'activity_unknown_user' as issue_type,
                'assigned_to_user' as source_column,
                cast(checked.assigned_user_id as {{ dbt.type_string() }}) as source_value,
                checked.assigned_user_id is not null and not checked.is_known_user as is_issue
        ) as issue
    where issue.is_issue
)

select * from final
