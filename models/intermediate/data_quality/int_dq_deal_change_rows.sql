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
        cast(null as {{ dbt.type_int() }}) as activity_id,
        issue.issue_type,
        'deal_changes.csv' as source_file,
        issue.source_column,
        issue.source_value,
        cast(checked.deal_change_id as {{ dbt.type_string() }}) as source_row_id
    from checked
    -- one row per check, kept where it finds an issue (a lateral union: PostgreSQL and Spark
    -- both take it, and PostgreSQL evaluates each check's values only where it holds)
    cross join
        lateral (  -- noqa: ST05
            select
                'deal_change_missing_value' as issue_type,
                case when checked.deal_id is null then 'deal_id' else 'change_time' end
                    as source_column,
                cast(null as {{ dbt.type_string() }}) as source_value,
                checked.deal_id is null or checked.changed_at is null as is_issue
            union all
            select
                'unknown_field_key' as issue_type,
                'changed_field_key' as source_column,
                checked.changed_field_key as source_value,
                not checked.is_known_field as is_issue
            union all
            select
                'unparseable_value' as issue_type,
                'new_value' as source_column,
                checked.new_value as source_value,
                checked.is_known_field and not checked.is_value_parsed as is_issue
            union all
            select
                'unknown_owner' as issue_type,
                'new_value' as source_column,
                cast(checked.owner_user_id as {{ dbt.type_string() }}) as source_value,
                checked.owner_user_id is not null and not checked.is_known_owner as is_issue
            union all
            select
                'deal_change_in_future' as issue_type,
                'change_time' as source_column,
                cast(checked.changed_at as {{ dbt.type_string() }}) as source_value,
                checked.is_after_export as is_issue
        ) as issue
    where issue.is_issue
)

select * from final
