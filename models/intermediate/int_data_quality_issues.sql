-- What the reports leave out, cannot resolve or should doubt, one row per offending row (or id).
-- Each issue type has a warn-severity test that reports its count on every build.
with deal_changes as not materialized (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
),

activities as not materialized (
    select * from {{ ref('stg_pipedrive__activities') }}
),

activity_types as (
    select * from {{ ref('stg_pipedrive__activity_types') }}
),

users as not materialized (
    select * from {{ ref('stg_pipedrive__users') }}
),

transitions as (
    select * from {{ ref('int_deal_stage_transitions') }}
),

losses as (
    select * from {{ ref('int_deal_losses') }}
),

-- read twice: not materialized, so that both reads run in parallel workers (a materialized CTE
-- keeps the activity checks to one process: 4.3 s against 3.8 s at 1,000,000 deals)
deals as not materialized (
    select * from {{ ref('int_deals_aggregated') }}
),

fields as (
    select * from {{ ref('stg_pipedrive__fields') }}
),

-- The checks of deal_changes.csv that read only the row itself (and the small tables of fields
-- and users) are made in one scan: the rows with any issue, then one row per issue of each.
deal_changes_checked as (
    select
        deal_changes.deal_change_id,
        deal_changes.deal_id,
        deal_changes.changed_field_key,
        deal_changes.new_value,
        deal_changes.owner_user_id,
        deal_changes.is_value_parsed,
        deal_changes.changed_at,
        fields.field_key is not null as is_known_field,
        users.user_id is not null as is_known_owner
    from deal_changes
    left join fields
        on deal_changes.changed_field_key = fields.field_key
    left join users
        on deal_changes.owner_user_id = users.user_id
    where
        deal_changes.deal_id is null
        or deal_changes.changed_at is null
        or fields.field_key is null
        or not deal_changes.is_value_parsed
        or (deal_changes.owner_user_id is not null and users.user_id is null)
        or deal_changes.changed_at > localtimestamp
),

deal_change_issues as (
    select
        issue.issue_type,
        'deal_changes.csv' as source_file,
        issue.source_column,
        issue.source_value,
        deal_changes_checked.deal_change_id::text as source_row_id,
        deal_changes_checked.deal_id,
        null::integer as activity_id
    from deal_changes_checked
    cross join
        lateral (
            values
            (
                'deal_change_missing_value',
                case
                    when deal_changes_checked.deal_id is null then 'deal_id' else 'change_time'
                end,
                null::text,
                deal_changes_checked.deal_id is null or deal_changes_checked.changed_at is null
            ),
            (
                'unknown_field_key',
                'changed_field_key',
                deal_changes_checked.changed_field_key,
                not deal_changes_checked.is_known_field
            ),
            (
                'unparseable_value',
                'new_value',
                deal_changes_checked.new_value,
                deal_changes_checked.is_known_field and not deal_changes_checked.is_value_parsed
            ),
            (
                'unknown_owner',
                'new_value',
                deal_changes_checked.owner_user_id::text,
                deal_changes_checked.owner_user_id is not null
                and not deal_changes_checked.is_known_owner
            ),
            (
                'deal_change_in_future',
                'change_time',
                deal_changes_checked.changed_at::text,
                deal_changes_checked.changed_at > localtimestamp
            )
        ) as issue (issue_type, source_column, source_value, is_issue)
    where issue.is_issue
),

unknown_stages as (
    select
        'unknown_stage_id' as issue_type,
        'deal_changes.csv' as source_file,
        'new_value' as source_column,
        stage_id::text as source_value,
        deal_change_id::text as source_row_id,
        deal_id,
        null::integer as activity_id
    from transitions
    where not is_known_stage
),

unknown_lost_reasons as (
    select
        'unknown_lost_reason' as issue_type,
        'deal_changes.csv' as source_file,
        'new_value' as source_column,
        lost_reason_id::text as source_value,
        deal_change_id::text as source_row_id,
        deal_id,
        null::integer as activity_id
    from losses
    where not is_known_lost_reason
),

reused_deal_ids as (
    select
        'reused_deal_id' as issue_type,
        'deal_changes.csv' as source_file,
        'deal_id' as source_column,
        creation_events_count::text as source_value,
        deal_id::text as source_row_id,
        deal_id,
        null::integer as activity_id
    from deals
    where has_reused_deal_id
),

-- The same for activity.csv: the rows with a missing value or an unknown deal, type or user, in
-- one scan, then one row per issue of each.
activities_checked as (
    select
        activities.activity_row_id,
        activities.activity_id,
        activities.deal_id,
        activities.activity_type,
        activities.assigned_user_id,
        activities.is_done,
        activities.due_at,
        deals.deal_id is not null as is_known_deal,
        activity_types.activity_type is not null as is_known_type,
        users.user_id is not null as is_known_user
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

activity_issues as (
    select
        issue.issue_type,
        'activity.csv' as source_file,
        issue.source_column,
        issue.source_value,
        activities_checked.activity_row_id::text as source_row_id,
        activities_checked.deal_id,
        activities_checked.activity_id
    from activities_checked
    cross join
        lateral (
            values
            ('activity_missing_value', 'deal_id', null::text, activities_checked.deal_id is null),
            (
                'activity_missing_value',
                'assigned_to_user',
                null::text,
                activities_checked.assigned_user_id is null
            ),
            ('activity_missing_value', 'done', null::text, activities_checked.is_done is null),
            ('activity_missing_value', 'due_to', null::text, activities_checked.due_at is null),
            (
                'activity_unknown_deal',
                'deal_id',
                activities_checked.deal_id::text,
                activities_checked.deal_id is not null and not activities_checked.is_known_deal
            ),
            (
                'activity_unknown_type',
                'type',
                activities_checked.activity_type,
                not activities_checked.is_known_type
            ),
            (
                'activity_unknown_user',
                'assigned_to_user',
                activities_checked.assigned_user_id::text,
                activities_checked.assigned_user_id is not null
                and not activities_checked.is_known_user
            )
        ) as issue (issue_type, source_column, source_value, is_issue)
    where issue.is_issue
),

invalid_emails as (
    select
        'user_invalid_email' as issue_type,
        'users.csv' as source_file,
        'email' as source_column,
        null::text as source_value,
        user_id::text as source_row_id,
        null::integer as deal_id,
        null::integer as activity_id
    from users
    where not has_valid_email
),

missing_names as (
    select
        'user_missing_name' as issue_type,
        'users.csv' as source_file,
        'name' as source_column,
        null::text as source_value,
        user_id::text as source_row_id,
        null::integer as deal_id,
        null::integer as activity_id
    from users
    where user_name_masked is null
),

reused_activity_ids as (
    select
        'reused_activity_id' as issue_type,
        'activity.csv' as source_file,
        'activity_id' as source_column,
        count(*)::text as source_value,
        activity_id::text as source_row_id,
        null::integer as deal_id,
        activity_id
    from activities
    where activity_id is not null
    group by activity_id
    having count(*) > 1
),

issues as (
    select * from deal_change_issues
    union all
    select * from unknown_stages
    union all
    select * from unknown_lost_reasons
    union all
    select * from reused_deal_ids
    union all
    select * from activity_issues
    union all
    select * from reused_activity_ids
    union all
    select * from invalid_emails
    union all
    select * from missing_names
),

final as (
    select
        {{ dbt_utils.generate_surrogate_key(
            ['issue_type', 'source_column', 'source_row_id']
        ) }} as issue_id,
        deal_id,
        activity_id,
        issue_type,
        source_file,
        source_column,
        source_value,
        source_row_id
    from issues
)

select * from final
