-- The checks of users.csv: a missing or malformed email (its value is personal data and is not
-- repeated here) and a missing name.
with users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

final as (
    select
        cast(null as {{ dbt.type_int() }}) as deal_id,
        cast(null as {{ dbt.type_int() }}) as activity_id,
        issue.issue_type,
        'users.csv' as source_file,
        issue.source_column,
        cast(null as {{ dbt.type_string() }}) as source_value,
        cast(users.user_id as {{ dbt.type_string() }}) as source_row_id
    from users
    -- one row per check, kept where it finds an issue (as in int_dq_deal_change_rows)
    cross join
        lateral (  -- noqa: ST05
            select
                'user_invalid_email' as issue_type,
                'email' as source_column,
                not users.has_valid_email as is_issue
            union all
            select
                'user_missing_name' as issue_type,
                'name' as source_column,
                users.user_name_masked is null as is_issue
        ) as issue
    where issue.is_issue
)

select * from final
