-- The checks of users.csv: a missing or malformed email (its value is personal data and is not
-- repeated here) and a missing name.
with users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

final as (
    select
        null::integer as deal_id,
        null::integer as activity_id,
        issue.issue_type,
        'users.csv' as source_file,
        issue.source_column,
        null::text as source_value,
        users.user_id::text as source_row_id
    from users
    cross join
        lateral (
            values
            ('user_invalid_email', 'email', not users.has_valid_email),
            ('user_missing_name', 'name', users.user_name_masked is null)
        ) as issue (issue_type, source_column, is_issue)
    where issue.is_issue
)

select * from final
