-- The data-quality list: the rows of every check (models/intermediate/data_quality/int_dq_*), one
-- row per offending row of the export (or per reused id). A new check is a model of the same
-- columns, added to this list.
{%- set checks = [
    'int_dq_deal_change_rows',
    'int_dq_unknown_stages',
    'int_dq_unknown_lost_reasons',
    'int_dq_reused_deal_ids',
    'int_dq_activity_rows',
    'int_dq_reused_activity_ids',
    'int_dq_user_rows',
] %}
{%- set columns = [
    'deal_id', 'activity_id', 'issue_type', 'source_file', 'source_column', 'source_value',
    'source_row_id',
] %}

with issues as (
    {%- for check in checks %}
        select {{ columns | join(', ') }}
        from {{ ref(check) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        {{ dbt_utils.generate_surrogate_key(
            ['issue_type', 'source_column', 'source_row_id']
        ) }} as issue_id,
        {{ columns | join(',\n        ') }}
    from issues
)

select * from final
