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
        checked.activity_row_id::text as source_row_id
    from checked
    cross join
        lateral (
            values
            ('activity_missing_value', 'deal_id', null::text, checked.deal_id is null),
            (
                'activity_missing_value',
                'assigned_to_user',
                null::text,
                checked.assigned_user_id is null
            ),
            ('activity_missing_value', 'done', null::text, checked.is_done is null),
            ('activity_missing_value', 'due_to', null::text, checked.due_at is null),
            (
                'activity_unknown_deal',
                'deal_id',
                checked.deal_id::text,
                checked.deal_id is not null and not checked.is_known_deal
            ),
            ('activity_unknown_type', 'type', checked.activity_type, not checked.is_known_type),
            (
                'activity_unknown_user',
                'assigned_to_user',
                checked.assigned_user_id::text,
                checked.assigned_user_id is not null and not checked.is_known_user
            )
        ) as issue (issue_type, source_column, source_value, is_issue)
    where issue.is_issue
)

select * from final
