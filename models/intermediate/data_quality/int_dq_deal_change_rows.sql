-- The checks of deal_changes.csv that read only the row itself (and the small tables of fields
-- and users), made in one scan of the deal log: the rows with any issue, then one row per issue.
with deal_changes as (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
),

fields as (
    select * from {{ ref('stg_pipedrive__fields') }}
),

users as (
    select * from {{ ref('stg_pipedrive__users') }}
),

export_time as (
    select * from {{ ref('int_export_time') }}
),

checked as (
    select
        deal_changes.deal_change_id,
        deal_changes.deal_id,
        deal_changes.changed_field_key,
        deal_changes.owner_user_id,
        deal_changes.new_value,
        fields.field_key is not null as is_known_field,
        users.user_id is not null as is_known_owner,
        deal_changes.is_value_parsed,
        deal_changes.changed_at,
        deal_changes.changed_at > export_time.export_time as is_after_export
    from deal_changes
    cross join export_time
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
        or deal_changes.changed_at > export_time.export_time
),

final as (
    select
        checked.deal_id,
        null::integer as activity_id,
        issue.issue_type,
        'deal_changes.csv' as source_file,
        issue.source_column,
        issue.source_value,
        checked.deal_change_id::text as source_row_id
    from checked
    cross join
        lateral (
            values
            (
                'deal_change_missing_value',
                case when checked.deal_id is null then 'deal_id' else 'change_time' end,
                null::text,
                checked.deal_id is null or checked.changed_at is null
            ),
            (
                'unknown_field_key',
                'changed_field_key',
                checked.changed_field_key,
                not checked.is_known_field
            ),
            (
                'unparseable_value',
                'new_value',
                checked.new_value,
                checked.is_known_field and not checked.is_value_parsed
            ),
            (
                'unknown_owner',
                'new_value',
                checked.owner_user_id::text,
                checked.owner_user_id is not null and not checked.is_known_owner
            ),
            (
                'deal_change_in_future',
                'change_time',
                checked.changed_at::text,
                checked.is_after_export
            )
        ) as issue (issue_type, source_column, source_value, is_issue)
    where issue.is_issue
)

select * from final
